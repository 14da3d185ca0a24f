import { expect } from 'chai';

import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { basic, json, postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

describe('token leakage (RFC 6749 §5.1, RFC 6750 §2.3 and §5.3, RFC 9700 §4.3)', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;
  let cc: RegisteredClient;

  before(async () => {
    tpp = await registerWebClient(fx.srv);
    cc = await registerClient(fx.srv, { name: 'Rates Monitor' });
  });

  const login = async (scope = 'openid accounts:read') =>
    authorize(fx.srv.url, accountsParams(tpp, scope), await createCustomer(fx.srv.deps));
  const ccRequest = (form: Record<string, string> = {}, secret = cc.client_secret) =>
    postForm(
      `${fx.srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read', ...form },
      { authorization: basic(cc.client_id, secret) },
    );

  describe('RFC 6749 §5.1 token responses carry Cache-Control: no-store', () => {
    it('for client_credentials, authorization_code and refresh_token alike', async () => {
      const viaCc = await ccRequest();
      expect(viaCc.status).to.equal(200);
      expect(viaCc.headers.get('cache-control')).to.equal('no-store');
      const code = await redeemCode(fx.srv, tpp, await login());
      expect(code.status).to.equal(200);
      expect(code.headers.get('cache-control')).to.equal('no-store');
      const viaRefresh = await refresh(fx.srv, tpp, (await json(code)).refresh_token);
      expect(viaRefresh.status).to.equal(200);
      expect(viaRefresh.headers.get('cache-control')).to.equal('no-store');
    });

    it('for error responses too', async () => {
      const refusals: [Response, number][] = [
        [await ccRequest({}, 'wrong'), 401],
        [await ccRequest({ scope: 'nope' }), 400],
        [await ccRequest({ grant_type: 'password' }), 400],
      ];
      for (const [res, status] of refusals) {
        expect(res.status).to.equal(status);
        expect(res.headers.get('cache-control')).to.equal('no-store');
      }
    });

    it('for introspection responses (they describe live tokens)', async () => {
      const { access_token } = await json(await ccRequest());
      const res = await postForm(
        `${fx.srv.url}/token/introspection`,
        { token: access_token },
        { authorization: basic(cc.client_id, cc.client_secret) },
      );
      expect((await json(res)).active).to.equal(true);
      expect(res.headers.get('cache-control')).to.equal('no-store');
    });
  });

  describe('RFC 6749 §3.2 / RFC 9700 §4.3 credentials never travel in URLs', () => {
    it('the token endpoint answers GET with no token (parameters in the query)', async () => {
      const query = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: cc.client_id,
        client_secret: cc.client_secret,
        scope: 'public:read',
      });
      const res = await fetch(`${fx.srv.url}/token?${query}`);
      expect(res.status).to.equal(404);
      expect(await res.text()).not.to.contain('access_token');
    });

    it('the token endpoint ignores parameters in the query string of a POST', async () => {
      const query = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: cc.client_id,
        client_secret: cc.client_secret,
        scope: 'public:read',
      });
      const res = await fetch(`${fx.srv.url}/token?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect(res.status).to.equal(400);
      expect(await res.text()).not.to.contain('access_token');
    });

    it('RFC 9700 §4.3.1 the authorization response carries only code, state and iss: no token in the redirect', async () => {
      const flow = await login();
      expect([...flow.callback!.searchParams.keys()].sort()).to.deep.equal(['code', 'iss', 'state']);
      expect(flow.callback!.hash).to.equal('');
    });

    it('RFC 6750 §2.3 / RFC 9700 §4.3.2 the userinfo endpoint refuses access tokens in the query', async () => {
      const { access_token } = await json(await redeemCode(fx.srv, tpp, await login('openid')));
      const viaHeader = await fetch(`${fx.srv.url}/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(viaHeader.status, 'positive control').to.equal(200);
      const viaQuery = await fetch(`${fx.srv.url}/me?access_token=${encodeURIComponent(access_token)}`);
      expect(viaQuery.status).to.equal(400);
      expect(await viaQuery.text()).not.to.contain('"sub"');
    });

    it('RFC 6750 §5.3 userinfo responses are not cached', async () => {
      const { access_token } = await json(await redeemCode(fx.srv, tpp, await login('openid')));
      const res = await fetch(`${fx.srv.url}/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.match(/no-store|private/);
    });
  });

  describe('RFC 9700 §2.3 access token privilege restriction', () => {
    // an API token that carries openid serves userinfo too (OIDC Core §5.3, docs/userinfo_and_api_tokens.md)
    it('a token for an API, from a login without openid, is refused at the userinfo endpoint', async () => {
      const { access_token } = await json(await redeemCode(fx.srv, tpp, await login('accounts:read')));
      const res = await fetch(`${fx.srv.url}/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(res.status).to.equal(403);
    });

    it('a client credentials token is refused at the userinfo endpoint (it acts for no customer)', async () => {
      const { access_token } = await json(await ccRequest());
      const res = await fetch(`${fx.srv.url}/me`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(res.status).to.equal(401);
    });

    it('introspection of another client’s token tells that client nothing', async () => {
      const { access_token } = await json(await ccRequest());
      const res = await postForm(
        `${fx.srv.url}/token/introspection`,
        { token: access_token },
        { authorization: basic(tpp.client_id, tpp.client_secret) },
      );
      expect(await json(res)).to.deep.equal({ active: false });
    });
  });
});
