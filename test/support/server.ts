import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';

import { loadConfig, type Config } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { createApp, type App } from '../../server/app.ts';
import { ClientManager, type ClientInput } from '../../server/clients/manage.ts';
import { generateSigningJwks } from '../../server/keys.ts';
import { createLogger } from '../../server/logger.ts';

let sharedJwks: Config['jwks'] | undefined;
/** One key set for the whole run: RSA key generation is slow, and restarts must share keys. */
export function testJwks(): Config['jwks'] {
  sharedJwks ??= generateSigningJwks();
  return sharedJwks;
}

export interface TestServer extends App {
  url: string;
  config: Config;
  store: Store;
  clients: ClientManager;
  close(): Promise<void>;
}

/** Starts the whole app on an ephemeral loopback port, as `npm start` would, with the given store. */
export async function startTestServer(store: Store, env: Record<string, string> = {}): Promise<TestServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: String(port),
      COOKIE_KEYS: 'test-cookie-key-0123456789abcdef0123456789',
      JWKS: JSON.stringify(testJwks()),
      ...env,
    },
    {},
  );
  const app = createApp({ config, store, logger: createLogger(config.logLevel) });
  server.on('request', app.provider.callback());
  return {
    ...app,
    url: `http://127.0.0.1:${port}`,
    config,
    store,
    clients: new ClientManager(app.provider, store),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
