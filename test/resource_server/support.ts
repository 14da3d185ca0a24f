import type { AuthorizationDetail } from 'oidc-provider';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type Koa from 'koa';
import * as oauth from 'oauth4webapi';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import { loadConfig } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { createApp } from '../../server/app.ts';
import { ClientManager } from '../../server/clients/manage.ts';
import { createLogger } from '../../server/ops/logger.ts';
import { testJwks, type TestServer } from '../support/server.ts';

export type TokenFormat = 'opaque' | 'jwt';

export const RESOURCE = Object.freeze({
  publicData: 'https://api.valtuus.example/public-data',
  accounts: 'https://api.valtuus.example/accounts',
  payments: 'https://api.valtuus.example/payments',
});

async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** startTestServer with the sample registry, every API issuing tokens in one format. */
export async function startAuthorizationServer(store: Store & { prefix?: string }, format: TokenFormat): Promise<TestServer> {
  const server = createServer();
  const url = await listenLoopback(server);
  const apis = parseApiRegistry(sampleApis.map((api) => ({ ...api, tokenFormat: format })));
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: new URL(url).port,
      ISSUER: url,
      COOKIE_KEYS: 'test-cookie-key-0123456789abcdef0123456789',
      JWKS: JSON.stringify(testJwks()),
      // login counters too stay under the test store's prefix, which its close() deletes
      ...(store.prefix ? { REDIS_KEY_PREFIX: store.prefix } : {}),
    },
    { apis },
  );
  const app = createApp({ config, store, logger: createLogger(config.logLevel) });
  server.on('request', app.provider.callback());
  return { ...app, url, config, store, clients: new ClientManager(app.provider, store, app.registry), close: closer(server) };
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** The client a Service API introspects with, allowed the tokens of its API only. */
export async function registerApiClient(srv: TestServer, apiId: string): Promise<Credentials> {
  const created = await srv.clients.create({ name: `${apiId} API`, grantTypes: [], extra: { resource_server_api: apiId } });
  return { clientId: String(created.client_id), clientSecret: String(created.client_secret) };
}

export async function registerTpp(srv: TestServer, scope = 'public:read'): Promise<Credentials> {
  const created = await srv.clients.create({ name: 'Rates Monitor', grantTypes: ['client_credentials'], scope });
  return { clientId: String(created.client_id), clientSecret: String(created.client_secret) };
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** A client credentials token as a standard client (oauth4webapi) gets it; DPoP-bound when given a handle. */
export async function clientCredentialsToken(srv: TestServer, tpp: Credentials, dpop?: oauth.DPoPHandle): Promise<string> {
  const as: oauth.AuthorizationServer = { issuer: srv.url, token_endpoint: `${srv.url}/token` };
  const client: oauth.Client = { client_id: tpp.clientId };
  const request = () =>
    oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(tpp.clientSecret),
      { scope: 'public:read' },
      { ...insecure, ...(dpop ? { DPoP: dpop } : {}) },
    );
  try {
    return (await oauth.processClientCredentialsResponse(as, client, await request())).access_token;
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return (await oauth.processClientCredentialsResponse(as, client, await request())).access_token;
  }
}

export interface MintOptions {
  tpp: Credentials;
  accountId: string;
  resource: string;
  scope: string;
  jkt?: string;
  /** the authorization details the customer approved (RFC 9396), as the grant would carry them */
  rar?: AuthorizationDetail[];
}

/**
 * A customer's access token as the authorization code grant would leave it (grant, account,
 * audience, optional DPoP binding), made with oidc-provider's own models: the resource server
 * cares what the token says, and the login flow has its own tests.
 */
export async function mintCustomerToken(srv: TestServer, { tpp, accountId, resource, scope, jkt, rar }: MintOptions): Promise<string> {
  const { provider } = srv;
  const api = srv.registry.byResource(resource)!;
  const client = (await provider.Client.find(tpp.clientId))!;
  const grant = new provider.Grant({ accountId, clientId: tpp.clientId });
  grant.addResourceScope(resource, scope);
  const grantId = await grant.save();
  const token = new provider.AccessToken({
    accountId,
    client,
    grantId,
    gty: 'authorization_code',
    scope,
    ...(jkt ? { jkt } : {}),
    ...(rar ? { rar } : {}),
  });
  token.resourceServer = new provider.ResourceServer(resource, {
    audience: resource,
    scope: api.scopes.map((s) => s.name).join(' '),
    accessTokenTTL: api.accessTokenTtl,
    accessTokenFormat: api.tokenFormat,
    ...(api.tokenFormat === 'jwt' ? { jwt: { sign: { alg: 'PS256' } } } : {}),
  });
  return token.save();
}

export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  jkt: string;
  handle: oauth.DPoPHandle;
}

export async function dpopKey(): Promise<DpopKey> {
  const keyPair = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(keyPair.publicKey);
  return {
    privateKey: keyPair.privateKey,
    publicJwk,
    jkt: await calculateJwkThumbprint(publicJwk, 'sha256'),
    handle: oauth.DPoP({}, keyPair as oauth.CryptoKeyPair),
  };
}

export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A DPoP proof with every part under the test's control, to break one at a time. */
export async function proof(
  key: DpopKey,
  claims: { htm: string; htu: string; ath?: string | undefined; iat?: number; jti?: string },
  header: { typ?: string; jwk?: JWK } = {},
): Promise<string> {
  return new SignJWT({ jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: header.typ ?? 'dpop+jwt', jwk: header.jwk ?? key.publicJwk })
    .sign(key.privateKey);
}

/** A closed loopback port: connections to it are refused at once. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Koa): Promise<Listening> {
  const server = createServer(app.callback());
  return { url: await listenLoopback(server), close: closer(server) };
}

/** The parsed WWW-Authenticate challenges: scheme → attributes. */
export function challenges(res: Response): Map<string, Record<string, string>> {
  const header = res.headers.get('www-authenticate') ?? '';
  const found = new Map<string, Record<string, string>>();
  const pattern = /(?:^|,\s*)(Bearer|DPoP)\b((?:\s*,?\s*[a-z_]+="[^"]*")*)/g;
  for (const [, scheme, params] of header.matchAll(pattern)) {
    found.set(scheme!, Object.fromEntries([...params!.matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!])));
  }
  return found;
}

/** RFC 6750 §3 / RFC 9449 §7.1: status, the scheme's challenge with the error code, and the JSON body. */
export async function expectRefusal(
  res: Response,
  status: number,
  scheme: 'Bearer' | 'DPoP',
  error: string,
): Promise<Record<string, string>> {
  const text = await res.text();
  expect(res.status, text).to.equal(status);
  expect(res.headers.get('content-type')).to.match(/^application\/json/);
  expect(JSON.parse(text)).to.include({ error });
  const challenge = challenges(res).get(scheme);
  expect(challenge, res.headers.get('www-authenticate') ?? 'no WWW-Authenticate').to.include({ error });
  expect(challenge!.error_description).to.be.a('string').that.is.not.empty;
  return challenge!;
}

/** A raw request, for what fetch cannot send: repeated headers. */
export function rawGet(url: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A TPP registered for the authorization code grant on one API (high APIs need keys and private_key_jwt). */
export async function registerCustomerApp(srv: TestServer, scope: string): Promise<Credentials> {
  const high = scope.split(' ').some((s) => srv.registry.byScope(s)?.level === 'high');
  const keys = high ? { authMethod: 'private_key_jwt' as const, jwks: { keys: [(await dpopKey()).publicJwk] } } : {};
  const created = await srv.clients.create({
    name: 'Budget App',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: ['https://tpp.example/callback'],
    scope,
    ...keys,
  });
  return { clientId: String(created.client_id), clientSecret: String(created.client_secret ?? '') };
}
