import { expect } from 'chai';

import { accountsParams, registerWebClient, startFlowServer } from '../support/code_grant.ts';
import { Agent, createCustomer, Flow, pkce } from '../support/flow.ts';
import type { RegisteredClient, TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const BUDGET = 5;

/**
 * What an unauthenticated caller can make the server keep is bounded (README "Operations"):
 * a size cap on the authorization request, a per-address budget of new sign-ins a minute, and a
 * short lifetime for a sign-in whose login form was never shown (RFC 6749 §10.1, RFC 9700 §4.16).
 */
describe('authorization endpoint: anonymous requests keep little, briefly (RFC 9700 §4.16)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startFlowServer(store, { RATE_LIMIT_ADDRESS_INTERACTIONS: String(BUDGET), TRUST_PROXY: '127.0.0.1' });
    tpp = await registerWebClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const authorize = (from: string, extra: Record<string, string> = {}) => {
    const query = new URLSearchParams({
      ...accountsParams(tpp),
      response_type: 'code',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    return fetch(`${srv.url}/auth?${query}`, { redirect: 'manual', headers: { 'x-forwarded-for': from } });
  };
  const interactionKeys = async () => (await store.probe.keys(`${store.prefix}Interaction:*`)).length;

  it('keeps a sign-in whose login form was never shown for two minutes; showing the form gives it 15 minutes, cookies too', async () => {
    const res = await authorize('198.51.100.60');
    expect(res.status).to.equal(303);
    const uid = /\/interaction\/([\w-]+)/.exec(res.headers.get('location')!)![1]!;
    expect(await store.probe.ttl(`${store.prefix}Interaction:{${uid}}`)).to.be.within(110, 120);

    const flow = await Flow.start(srv.url, accountsParams(tpp), new Agent({ 'x-forwarded-for': '198.51.100.61' }));
    const shownUid = /\/interaction\/([\w-]+)/.exec(flow.page!.url.pathname)![1]!;
    expect(await store.probe.ttl(`${store.prefix}Interaction:{${shownUid}}`)).to.be.within(890, 900);
    const cookie = flow.page!.headers.getSetCookie().find((c) => c.startsWith('_interaction='))!;
    const expires = Date.parse(/expires=([^;]+)/.exec(cookie)![1]!);
    expect(expires - Date.now()).to.be.within(880_000, 901_000);
    const customer = await createCustomer(srv.deps);
    await flow.login(customer.username, customer.password);
    expect(flow.html).to.include('autocomplete="one-time-code"');
  });

  it(`answers 429 to the ${BUDGET + 1}th new sign-in from one address in a minute, and stores nothing for it`, async () => {
    for (let i = 0; i < BUDGET; i += 1) expect((await authorize('203.0.113.50')).status).to.equal(303);
    const before = await interactionKeys();
    const refused = await authorize('203.0.113.50');
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('content-type')).to.match(/^text\/html/);
    expect(await interactionKeys()).to.equal(before);
    expect((await authorize('203.0.113.51')).status).to.equal(303);
  });

  it('refuses an oversized parameter or request with a 400 page and stores nothing', async () => {
    const before = await interactionKeys();
    const longState = await authorize('203.0.113.52', { state: 'x'.repeat(3000) });
    expect(longState.status).to.equal(400);
    expect(longState.headers.get('content-type')).to.match(/^text\/html/);
    const huge = await authorize('203.0.113.53', { request: 'y'.repeat(9000) });
    expect(huge.status).to.equal(400);
    expect(await interactionKeys()).to.equal(before);
  });
});
