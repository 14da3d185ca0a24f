import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';

import { loadConfig, type Config, type LoadOptions } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { createApp, type App } from '../../server/app.ts';
import { ClientManager, type ClientInput } from '../../server/clients/manage.ts';
import { digestClientSecret, generateClientSecret } from '../../server/clients/secrets.ts';
import { generateSigningJwks } from '../../server/signing_keys.ts';
import { createLogger } from '../../server/ops/logger.ts';
import type { DestinationStream } from 'pino';

import { openTestRedisStore, type TestRedisStore } from './stores.ts';

let sharedJwks: Config['jwks'] | undefined;
/** One key set for the whole run: RSA key generation is slow, and restarts must share keys. */
export function testJwks(): Config['jwks'] {
  sharedJwks ??= generateSigningJwks();
  return sharedJwks;
}

/**
 * The time the app checks one-time codes at, frozen mid-step for the whole run: a code made for
 * "now" (TestCustomer.nextCode) can never fall out of its 30 s step before the app checks it.
 */
const FROZEN_TOTP_TIME = (Math.floor(Date.now() / 30_000) + 0.5) * 30_000;
export const testTotpClock = (): number => FROZEN_TOTP_TIME;

export interface TestServer extends App {
  url: string;
  config: Config;
  store: Store;
  clients: ClientManager;
  close(): Promise<void>;
}

/** Starts the whole app on an ephemeral loopback port, as `npm start` would, with the given store. */
export interface TestServerOptions extends LoadOptions {
  /** where log lines go (the test reads them); stdout by default */
  logTo?: DestinationStream;
}

export async function startTestServer(
  store: Store,
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      COOKIE_KEYS: 'test-cookie-key-0123456789abcdef0123456789',
      JWKS: JSON.stringify(testJwks()),
      // counters kept beside the store's objects (limits, lockouts) share its per-run prefix
      ...((store as { prefix?: string }).prefix ? { REDIS_KEY_PREFIX: (store as { prefix?: string }).prefix! } : {}),
      ...env,
    },
    options,
  );
  const app = createApp({ config, store, logger: createLogger(config.logLevel, options.logTo), clock: testTotpClock });
  server.on('request', app.provider.callback());
  return {
    ...app,
    url: `http://127.0.0.1:${port}`,
    config,
    store,
    clients: new ClientManager(app.provider, app.deps.store, app.registry),
    close: async () => {
      await app.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

export interface ServerFixture {
  srv: TestServer;
  store: TestRedisStore;
}

/**
 * The one bootstrap of a feature suite: the whole app on Redis (the production store) on a
 * key prefix of its own, started before the block's tests and closed after them with this
 * run's keys deleted. Filled in by `before`.
 */
export function useServerOnRedis(env: Record<string, string> = {}, options: TestServerOptions = {}): ServerFixture {
  const fixture = {} as ServerFixture;
  before(async () => {
    fixture.store = await openTestRedisStore();
    fixture.srv = await startTestServer(fixture.store, env, options);
  });
  after(async () => {
    await fixture.srv?.close();
    await fixture.store?.close();
  });
  return fixture;
}

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
  [key: string]: unknown;
}

export async function registerClient(srv: TestServer, input: Partial<ClientInput> = {}): Promise<RegisteredClient> {
  return (await srv.clients.create({
    name: 'Test TPP',
    grantTypes: ['client_credentials'],
    scope: 'public:read',
    ...input,
  })) as RegisteredClient;
}

/** Stores a client as-is, past the registration policy: for checks that the server enforces the levels on its own. */
export async function storeClientUnchecked(srv: TestServer, metadata: Record<string, unknown>): Promise<RegisteredClient> {
  const clientId = `unchecked-${Math.random().toString(36).slice(2)}`;
  const secret = generateClientSecret();
  await srv.store.adapter('Client').upsert(clientId, {
    client_id: clientId,
    client_name: 'Unchecked',
    token_endpoint_auth_method: 'client_secret_basic',
    client_secret: digestClientSecret(secret),
    redirect_uris: [],
    response_types: [],
    ...metadata,
  });
  return { client_id: clientId, client_secret: secret };
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
export type Json = Record<string, any>;

export async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Asserts an RFC 6749 §5.2 error response and returns its body. */
export async function expectOAuthError(
  res: Response,
  status: number,
  error: string,
): Promise<{ error: string; error_description?: string }> {
  const text = await res.text();
  expect(res.status, text).to.equal(status);
  expect(res.headers.get('content-type')).to.match(/^application\/json/);
  const body = JSON.parse(text) as { error: string; error_description?: string };
  expect(body.error, text).to.equal(error);
  return body;
}
