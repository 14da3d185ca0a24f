import { expect } from 'chai';
import type { Redis } from 'ioredis';

import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import {
  basic,
  expectOAuthError,
  json,
  postForm,
  type Json,
  type RegisteredClient,
  type TestServer,
  startTestServer,
} from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const GRACE_SECONDS = 10;

describe('token endpoint: a refresh retried after a lost response (FAPI 2.0 Security Profile §5.3.2.1, RFC 9700 §4.14.2)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;
  let other: RegisteredClient;
  let clockOffsetMs = 0; // the store's clock, which judges the window, moved instead of waiting

  before(async () => {
    store = await openTestRedisStore({ now: () => Date.now() + clockOffsetMs });
    srv = await startTestServer(store, { REDIS_KEY_PREFIX: store.prefix, REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) });
    tpp = await registerWebClient(srv);
    other = await registerWebClient(srv, 'Another TPP');
  });
  beforeEach(() => (clockOffsetMs = 0));

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const freshTokens = async (): Promise<Json> => {
    const flow = await authorize(srv.url, accountsParams(tpp), await createCustomer(srv.deps));
    return json(await redeemCode(srv, tpp, flow));
  };
  const active = async (token: string): Promise<boolean> =>
    (await json(await postForm(`${srv.url}/token/introspection`, { token }, { authorization: basic(tpp.client_id, tpp.client_secret) })))
      .active;
  const refreshed = async (token: string): Promise<Json> => {
    const res = await refresh(srv, tpp, token);
    expect(res.status, await res.clone().text()).to.equal(200);
    return json(res);
  };

  it('within the window the same client retrying succeeds, with the same refresh_count; the lost refresh token stops working, the new one works', async () => {
    const issued = await freshTokens();
    const lost = await refreshed(issued.refresh_token);
    clockOffsetMs = (GRACE_SECONDS - 1) * 1000;
    const retried = await refreshed(issued.refresh_token);
    expect(retried.refresh_count).to.equal(lost.refresh_count).and.equal(1);
    expect(retried.refresh_token).to.not.equal(lost.refresh_token);
    // one live refresh token on the chain: the lost one was replaced, not added to
    expect(await active(lost.refresh_token)).to.equal(false);
    expect(await active(retried.refresh_token)).to.equal(true);
    await expectOAuthError(await refresh(srv, tpp, lost.refresh_token), 400, 'invalid_grant');
    expect((await refreshed(retried.refresh_token)).refresh_count).to.equal(2);
  });

  it('a second retry within the window also succeeds, still with one live refresh token', async () => {
    const issued = await freshTokens();
    const first = await refreshed(issued.refresh_token);
    clockOffsetMs = 2000;
    const second = await refreshed(issued.refresh_token);
    const third = await refreshed(issued.refresh_token);
    expect([first, second, third].map((r) => r.refresh_count)).to.deep.equal([1, 1, 1]);
    expect([await active(first.refresh_token), await active(second.refresh_token), await active(third.refresh_token)]).to.deep.equal([
      false,
      false,
      true,
    ]);
  });

  it('within the window another client presenting it gets invalid_grant, and the chain is untouched', async () => {
    const issued = await freshTokens();
    const next = await refreshed(issued.refresh_token);
    clockOffsetMs = 2000;
    await expectOAuthError(await refresh(srv, other, issued.refresh_token), 400, 'invalid_grant');
    expect(await active(next.refresh_token)).to.equal(true);
  });

  it('within the window, once the successor was used, the old token is reuse: invalid_grant and the grant is revoked', async () => {
    const issued = await freshTokens();
    const next = await refreshed(issued.refresh_token);
    const last = await refreshed(next.refresh_token);
    await expectOAuthError(await refresh(srv, tpp, issued.refresh_token), 400, 'invalid_grant');
    expect(await active(last.access_token)).to.equal(false);
    await expectOAuthError(await refresh(srv, tpp, last.refresh_token), 400, 'invalid_grant');
  });

  it('within a second of the rotation a use is one of a concurrent burst, not a retry: invalid_grant, and the grant is revoked', async () => {
    const issued = await freshTokens();
    const next = await refreshed(issued.refresh_token);
    clockOffsetMs = 900;
    await expectOAuthError(await refresh(srv, tpp, issued.refresh_token), 400, 'invalid_grant');
    expect(await active(next.access_token)).to.equal(false);
  });

  it('with the window on, of 10 concurrent uses of one refresh token exactly one succeeds (RFC 9700 §4.14.2)', async () => {
    const issued = await freshTokens();
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(srv, tpp, issued.refresh_token)));
    expect(responses.filter((r) => r.status === 200)).to.have.length(1);
    for (const res of responses.filter((r) => r.status !== 200)) await expectOAuthError(res, 400, 'invalid_grant');
  });

  it('after the window a retry is reuse: invalid_grant, and the whole grant is revoked', async () => {
    const issued = await freshTokens();
    const next = await refreshed(issued.refresh_token);
    clockOffsetMs = GRACE_SECONDS * 1000;
    await expectOAuthError(await refresh(srv, tpp, issued.refresh_token), 400, 'invalid_grant');
    expect(await active(next.access_token)).to.equal(false);
    await expectOAuthError(await refresh(srv, tpp, next.refresh_token), 400, 'invalid_grant');
  });

  it('after the window, of 8 concurrent uses of the rotated token none succeeds: all 400 invalid_grant, none a 5xx', async () => {
    const issued = await freshTokens();
    const next = await refreshed(issued.refresh_token);
    clockOffsetMs = GRACE_SECONDS * 1000;
    const responses = await Promise.all(Array.from({ length: 8 }, () => refresh(srv, tpp, issued.refresh_token)));
    for (const res of responses) await expectOAuthError(res, 400, 'invalid_grant');
    expect(await active(next.refresh_token)).to.equal(false);
  });

  describe('storage of a long chain (README "Operations")', () => {
    async function chainBytes(grantKeys: string[]): Promise<number> {
      const probe = store.probe as Redis;
      const sizes = await Promise.all(grantKeys.map((key) => probe.memory('USAGE', key)));
      return sizes.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    }

    it('a chain of 20 refreshes keeps one live refresh token and compact records; full copies for a retry expire with the window', async () => {
      const issued = await freshTokens();
      let current = issued;
      for (let i = 0; i < 20; i += 1) current = await refreshed(current.refresh_token);
      expect(current.refresh_count).to.equal(20);

      const probe = store.probe as Redis;
      const rtKeys = await probe.keys(`${store.prefix}RefreshToken:{*`);
      const stored = await Promise.all(rtKeys.map(async (key) => ({ key, value: (await probe.get(key))! })));
      const grantId = JSON.parse(stored.find((s) => s.key.includes(current.refresh_token))!.value).grantId as string;
      const chain = stored.filter((s) => s.value.includes(grantId));
      expect(chain).to.have.length(21);
      const live = chain.filter((s) => !s.value.startsWith('{"consumed":'));
      expect(live, 'one live refresh token').to.have.length(1);
      const full = chain.filter((s) => s.value.startsWith('{"consumed":') && s.value.includes('"clientId"'));
      expect(full, 'every consumed record is compact').to.have.length(0);
      // the copies a retry within the window needs live in retry records, which expire with the window
      const retryKeys = chain.filter((s) => s !== live[0]).map((s) => s.key.replace(':RefreshToken:{', ':RefreshToken:retry:{'));
      const retryTtls = await Promise.all(retryKeys.map((key) => probe.pttl(key)));
      for (const ttl of retryTtls) expect(ttl, 'retry record PTTL').to.be.within(1, GRACE_SECONDS * 1000);

      const liveBytes = await chainBytes(live.map((s) => s.key));
      const chainTotal = await chainBytes(chain.map((s) => s.key));
      const indexBytes = await chainBytes([`${store.prefix}grant:{${grantId}}`]);
      console.log(
        `      refresh tokens of a 20-refresh chain: ${chainTotal} bytes (one live: ${liveBytes}); grant index ${indexBytes} bytes`,
      );
      // every token kept in full would take about 21 times the live one; a compact record takes a third of one
      expect(chainTotal).to.be.below(liveBytes * 21 * 0.45);
    });
  });
});
