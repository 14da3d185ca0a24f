import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { SCA_ACR } from '../../server/accounts/sca.ts';
import {
  accountsParams,
  REDIRECT_URI,
  redeemCode,
  refresh,
  registerWebClient,
  startFlowServer,
  tokenRequest,
} from '../support/code_grant.ts';
import { authorize, createCustomer, Flow, pkce } from '../support/flow.ts';
import { basic, expectOAuthError, json, postForm, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const isInteger = (n: unknown) => Number.isInteger(n);

describe('token endpoint: authorization_code (RFC 6749 §4.1, RFC 7636, OIDC Core §3.1)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startFlowServer(store);
    tpp = await registerWebClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const login = async (scope = 'openid accounts:read') => authorize(srv.url, accountsParams(tpp, scope), await createCustomer(srv.deps));
  const introspect = async (token: string) =>
    json(await postForm(`${srv.url}/token/introspection`, { token }, { authorization: basic(tpp.client_id, tpp.client_secret) }));

  it('returns every promised field with its type, and Cache-Control: no-store (DESIGN "Token response")', async () => {
    const before = Math.floor(Date.now() / 1000);
    const flow = await login();
    const res = await redeemCode(srv, tpp, flow);
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const body = await json(res);
    expect(body.access_token).to.be.a('string');
    expect(body.token_type).to.equal('Bearer');
    expect(body.expires_in).to.satisfy(isInteger).and.be.within(1, 600);
    expect(body.scope).to.equal('openid accounts:read'); // openid is granted: the token serves userinfo too
    expect(body.id_token).to.be.a('string');
    expect(body.status).to.equal('approved');
    expect(body.refresh_count).to.equal(0);
    expect(body.refresh_token).to.be.a('string');
    expect(body.refresh_token_expires_in)
      .to.satisfy(isInteger)
      .and.be.within(2_592_000 - 5, 2_592_000);
    expect(body.refresh_token_issued_at)
      .to.satisfy(isInteger)
      .and.be.within(before, before + 60);
  });

  it('issues refresh tokens without offline_access (the client is allowed the refresh_token grant)', async () => {
    const body = await json(await redeemCode(srv, tpp, await login('accounts:read')));
    expect(body.refresh_token).to.be.a('string');
    expect(body).not.to.have.property('id_token');
  });

  it('the ID token carries sub, auth_time, acr and amr: two factors were used', async () => {
    const customer = await createCustomer(srv.deps);
    const before = Math.floor(Date.now() / 1000);
    const flow = await authorize(srv.url, { ...accountsParams(tpp), nonce: 'n-0S6_WzA2Mj' }, customer);
    const body = await json(await redeemCode(srv, tpp, flow));
    const jwks = createRemoteJWKSet(new URL(`${srv.url}/jwks`));
    const { payload } = await jwtVerify(body.id_token, jwks, { issuer: srv.url, audience: tpp.client_id });
    expect(payload.sub).to.equal(customer.sub);
    expect(payload.sub).not.to.equal(customer.username);
    expect(payload.auth_time)
      .to.satisfy(isInteger)
      .and.be.within(before - 1, before + 60);
    expect(payload.acr).to.equal(SCA_ACR);
    expect(payload.amr).to.deep.equal(['pwd', 'otp']);
    expect(payload.nonce).to.equal('n-0S6_WzA2Mj');
  });

  it('userinfo (OIDC Core §5.3) answers for a token of openid alone and for an API token that carries openid; one without openid is refused', async () => {
    const customer = await createCustomer(srv.deps);
    const openidOnly = await json(await redeemCode(srv, tpp, await authorize(srv.url, accountsParams(tpp, 'openid'), customer)));
    const userinfo = await fetch(`${srv.url}/me`, { headers: { authorization: `Bearer ${openidOnly.access_token}` } });
    expect(userinfo.status).to.equal(200);
    expect(await json(userinfo)).to.deep.equal({ sub: customer.sub });

    const apiToken = await json(await redeemCode(srv, tpp, await authorize(srv.url, accountsParams(tpp), customer)));
    const accepted = await fetch(`${srv.url}/me`, { headers: { authorization: `Bearer ${apiToken.access_token}` } });
    expect(await json(accepted)).to.deep.equal({ sub: customer.sub });

    const withoutOpenid = await json(await redeemCode(srv, tpp, await authorize(srv.url, accountsParams(tpp, 'accounts:read'), customer)));
    const refused = await fetch(`${srv.url}/me`, { headers: { authorization: `Bearer ${withoutOpenid.access_token}` } });
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('www-authenticate')).to.include('error="insufficient_scope"');
  });

  describe('PKCE with S256 for every client, confidential ones too (RFC 7636, RFC 9700 §2.1.1)', () => {
    it('an authorization request without code_challenge is refused at the redirect URI', async () => {
      const url = new URL('/auth', srv.url);
      url.search = new URLSearchParams({ ...accountsParams(tpp), response_type: 'code', state: 's' }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      const location = new URL(res.headers.get('location')!);
      expect(location.href.startsWith(REDIRECT_URI)).to.equal(true);
      expect(location.searchParams.get('error')).to.equal('invalid_request');
      expect(location.searchParams.get('state')).to.equal('s');
      expect(location.searchParams.get('iss')).to.equal(srv.url);
    });

    it('the plain method is refused', async () => {
      const url = new URL('/auth', srv.url);
      const { verifier } = pkce();
      url.search = new URLSearchParams({
        ...accountsParams(tpp),
        response_type: 'code',
        code_challenge: verifier,
        code_challenge_method: 'plain',
      }).toString();
      const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
      expect(location.searchParams.get('error')).to.equal('invalid_request');
    });

    it('a wrong code_verifier is invalid_grant', async () => {
      const flow = await login();
      const res = await tokenRequest(srv, tpp, {
        grant_type: 'authorization_code',
        code: flow.code(),
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce().verifier,
      });
      await expectOAuthError(res, 400, 'invalid_grant');
    });
  });

  describe('redirect URIs match exactly (RFC 9700 §4.1.3)', () => {
    for (const other of [`${REDIRECT_URI}/x`, `${REDIRECT_URI}?a=1`, REDIRECT_URI.replace('127.0.0.1', 'localhost')]) {
      it(`${other} is refused on an error page, without a redirect`, async () => {
        const flow = await Flow.start(srv.url, { ...accountsParams(tpp), redirect_uri: other });
        expect(flow.callback).to.equal(undefined);
        expect(flow.page!.status).to.equal(400);
        expect(flow.html).to.include('redirect_uri');
      });
    }

    it('a code is redeemed only with the redirect_uri it was issued for', async () => {
      const flow = await login();
      const res = await tokenRequest(srv, tpp, {
        grant_type: 'authorization_code',
        code: flow.code(),
        redirect_uri: `${REDIRECT_URI}/other`,
        code_verifier: flow.pkce.verifier,
      });
      await expectOAuthError(res, 400, 'invalid_grant');
    });
  });

  describe('codes live 60 seconds and work once (RFC 6749 §4.1.2, RFC 9700 §4.2.1)', () => {
    it('is stored with a TTL of at most 60 seconds', async () => {
      const flow = await login();
      const ttl = await store.probe.ttl(`${store.prefix}AuthorizationCode:{${flow.code()}}`);
      expect(ttl).to.be.within(50, 60);
    });

    it('a replayed code is invalid_grant and revokes the tokens it gave', async () => {
      const flow = await login();
      const first = await json(await redeemCode(srv, tpp, flow));
      expect((await introspect(first.access_token)).active).to.equal(true);
      await expectOAuthError(await redeemCode(srv, tpp, flow), 400, 'invalid_grant');
      expect((await introspect(first.access_token)).active).to.equal(false);
      await expectOAuthError(await refresh(srv, tpp, first.refresh_token), 400, 'invalid_grant');
    });

    it('of ten concurrent redemptions of one code exactly one gets 200; nine get 400 invalid_grant', async () => {
      const flow = await login();
      const responses = await Promise.all(Array.from({ length: 10 }, () => redeemCode(srv, tpp, flow)));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).to.deep.equal([200, ...Array(9).fill(400)]);
      for (const res of responses.filter((r) => r.status === 400)) await expectOAuthError(res, 400, 'invalid_grant');
    });

    it('another client cannot redeem the code (it is bound to the client it was issued to)', async () => {
      const other = await registerWebClient(srv, 'Eavesdropper');
      const flow = await login();
      const res = await tokenRequest(srv, other, {
        grant_type: 'authorization_code',
        code: flow.code(),
        redirect_uri: REDIRECT_URI,
        code_verifier: flow.pkce.verifier,
      });
      await expectOAuthError(res, 400, 'invalid_grant');
    });
  });
});
