import type { Store } from '../../adapters/types.ts';
import { basic, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from './server.ts';
import type { Flow } from './flow.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback'; // never reached: the test agent stops at it
export const ACCOUNTS_API = 'https://api.valtuus.example/accounts';

/** A server on the given store under the store's own key prefix, for suites that open and close their store themselves. */
export function startFlowServer(store: Store & { prefix?: string }, env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer(store, { ...(store.prefix ? { REDIS_KEY_PREFIX: store.prefix } : {}), ...env });
}

/** A confidential web client allowed the authorization code and refresh token grants for the Accounts API. */
export function registerWebClient(srv: TestServer, name = 'Budget Buddy'): Promise<RegisteredClient> {
  return registerClient(srv, {
    name,
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI],
    scope: 'openid accounts:read accounts:write',
  });
}

export function accountsParams(client: RegisteredClient, scope = 'openid accounts:read') {
  return { client_id: client.client_id, redirect_uri: REDIRECT_URI, scope };
}

export function tokenRequest(srv: TestServer, client: RegisteredClient, form: Record<string, string>): Promise<Response> {
  return postForm(`${srv.url}/token`, form, { authorization: basic(client.client_id, client.client_secret) });
}

export function redeemCode(srv: TestServer, client: RegisteredClient, flow: Flow, code = flow.code()): Promise<Response> {
  return tokenRequest(srv, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: flow.params.redirect_uri,
    code_verifier: flow.pkce.verifier,
  });
}

export function refresh(srv: TestServer, client: RegisteredClient, refreshToken: string): Promise<Response> {
  return tokenRequest(srv, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** GET without following redirects: an open redirect must show as a Location, never be followed. */
export function getManual(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { accept: 'text/html', ...headers } });
}

export function authorizeUrl(issuer: string, params: Record<string, string>): string {
  return `${issuer}/auth?${new URLSearchParams(params)}`;
}

/** The parameters of an authorization response: the query, or the fragment for fragment-encoded modes. */
export function responseParams(location: string | URL): URLSearchParams {
  const url = new URL(location);
  return new URLSearchParams(url.hash ? url.hash.slice(1) : url.search);
}
