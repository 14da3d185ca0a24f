import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { SCA_ACR } from '../../server/accounts/sca.ts';
import { accountsParams, redeemCode, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { json, type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';

const isInteger = (n: unknown) => Number.isInteger(n);

describe('token endpoint: authorization_code response (RFC 6749 §4.1.4, OIDC Core §3.1.3.3); its binding and single use: test/token/authorization_code.test.ts', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
  });

  const login = async (scope = 'openid accounts:read') => authorize(srv.url, accountsParams(tpp, scope), await createCustomer(srv.deps));

  it('returns every promised field with its type, and Cache-Control: no-store (RFC 6749 §5.1, README "Two commands")', async () => {
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
      .and.be.within(15_552_000 - 5, 15_552_000); // the Accounts API's 180 days (PSD2 RTS art. 10)
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
});
