import { expect } from 'chai';

import { accountsParams, REDIRECT_URI, redeemCode, registerWebClient, tokenRequest } from '../support/code_grant.ts';
import { authorize, createCustomer, type Flow } from '../support/flow.ts';
import { basic, expectOAuthError, json, postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

const SECOND_REDIRECT = 'http://127.0.0.1:9/second-callback';

describe('RFC 6749 §4.1.3 / §10.5 authorization code: single use and bound to client, redirect URI and verifier', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;
  let attacker: RegisteredClient;

  before(async () => {
    tpp = await registerClient(fx.srv, {
      name: 'Budget Buddy',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI, SECOND_REDIRECT],
      scope: 'openid accounts:read accounts:write',
    });
    // a registered client of its own, with valid credentials and the same redirect URI
    attacker = await registerWebClient(fx.srv, 'Attacker TPP');
  });

  const login = async (): Promise<Flow> => authorize(fx.srv.url, accountsParams(tpp), await createCustomer(fx.srv.deps));
  const introspect = async (token: string) =>
    json(await postForm(`${fx.srv.url}/token/introspection`, { token }, { authorization: basic(tpp.client_id, tpp.client_secret) }));

  it('RFC 6749 §10.5 a code works once; the second redemption gets invalid_grant', async () => {
    const flow = await login();
    expect((await redeemCode(fx.srv, tpp, flow)).status).to.equal(200);
    await expectOAuthError(await redeemCode(fx.srv, tpp, flow), 400, 'invalid_grant');
  });

  it('RFC 6749 §4.1.2 / RFC 9700 §4.5 reuse of a code revokes the tokens issued for it', async () => {
    const flow = await login();
    const first = await json(await redeemCode(fx.srv, tpp, flow));
    expect(first.access_token).to.be.a('string');
    await expectOAuthError(await redeemCode(fx.srv, tpp, flow), 400, 'invalid_grant');
    expect(await introspect(first.access_token)).to.deep.equal({ active: false });
    const refreshed = await tokenRequest(fx.srv, tpp, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    await expectOAuthError(refreshed, 400, 'invalid_grant');
  });

  it('RFC 6749 §4.1.2 of 10 concurrent redemptions of one code exactly one succeeds, the rest get invalid_grant', async () => {
    const flow = await login();
    const responses = await Promise.all(Array.from({ length: 10 }, () => redeemCode(fx.srv, tpp, flow)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).to.have.length(1);
    expect(statuses.filter((s) => s === 400)).to.have.length(9);
    for (const res of responses.filter((r) => r.status === 400)) expect((await json(res)).error).to.equal('invalid_grant');
  });

  it('RFC 6749 §4.1.3 a code is bound to its client: another authenticated client gets invalid_grant', async () => {
    const flow = await login();
    await expectOAuthError(await redeemCode(fx.srv, attacker, flow), 400, 'invalid_grant');
  });

  it('RFC 6749 §4.1.3 a code is bound to its client: client_id in the body of another client does not help', async () => {
    const flow = await login();
    const res = await postForm(
      `${fx.srv.url}/token`,
      {
        grant_type: 'authorization_code',
        code: flow.code(),
        redirect_uri: REDIRECT_URI,
        code_verifier: flow.pkce.verifier,
        client_id: tpp.client_id,
      },
      { authorization: basic(attacker.client_id, attacker.client_secret) },
    );
    expect(res.status).to.equal(400);
    expect((await json(res)).error).to.equal('invalid_request');
  });

  it('RFC 6749 §4.1.3 a code is bound to the redirect_uri of its request: another registered one gets invalid_grant', async () => {
    const flow = await login();
    const res = await tokenRequest(fx.srv, tpp, {
      grant_type: 'authorization_code',
      code: flow.code(),
      redirect_uri: SECOND_REDIRECT,
      code_verifier: flow.pkce.verifier,
    });
    await expectOAuthError(res, 400, 'invalid_grant');
  });

  it('RFC 6749 §4.1.3 the redirect_uri is required at the token endpoint when it was in the request', async () => {
    const flow = await login();
    const res = await tokenRequest(fx.srv, tpp, { grant_type: 'authorization_code', code: flow.code(), code_verifier: flow.pkce.verifier });
    expect(res.status).to.equal(400);
    expect((await json(res)).error).to.equal('invalid_request');
  });

  it('RFC 9700 §4.5.3 a code is bound to its code_verifier: the verifier of another flow gets invalid_grant', async () => {
    const [mine, other] = [await login(), await login()];
    const res = await tokenRequest(fx.srv, tpp, {
      grant_type: 'authorization_code',
      code: mine.code(),
      redirect_uri: REDIRECT_URI,
      code_verifier: other.pkce.verifier,
    });
    await expectOAuthError(res, 400, 'invalid_grant');
  });

  it('RFC 6749 §4.1.2 a code is short-lived: stored with a TTL of at most 60 seconds', async () => {
    const flow = await login();
    const keys = await fx.store.probe.keys(`${fx.store.prefix}*AuthorizationCode*`);
    expect(keys.length).to.be.greaterThan(0);
    for (const key of keys) {
      const ttl = await fx.store.probe.pttl(key);
      expect(ttl, key).to.be.within(1, 60_000);
    }
    expect((await redeemCode(fx.srv, tpp, flow)).status).to.equal(200);
  });

  it('RFC 6749 §4.1.3 a made-up or truncated code gets invalid_grant', async () => {
    const flow = await login();
    for (const code of [flow.code().slice(0, -1), `${flow.code()}x`, 'x'.repeat(43)]) {
      const res = await tokenRequest(fx.srv, tpp, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: flow.pkce.verifier,
      });
      await expectOAuthError(res, 400, 'invalid_grant');
    }
  });
});
