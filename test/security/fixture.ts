import { startFlowServer } from '../support/code_grant.ts';
import type { TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

export interface ServerFixture {
  srv: TestServer;
  store: TestRedisStore;
}

/**
 * One server on Redis (the production store) for a describe block: started before its
 * tests, closed after them with this run's keys deleted. Filled in by `before`.
 */
export function useServerOnRedis(env: Record<string, string> = {}): ServerFixture {
  const fixture = {} as ServerFixture;
  before(async () => {
    fixture.store = await openTestRedisStore();
    fixture.srv = await startFlowServer(fixture.store, env);
  });
  after(async () => {
    await fixture.srv?.close();
    await fixture.store?.close();
  });
  return fixture;
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
