import { expect } from 'chai';

import { accountsParams, redeemCode, refresh, registerWebClient, tokenRequest } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { basic, expectOAuthError, json, type Json, postForm, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

describe('RFC 6749 §10.4 / RFC 9700 §4.14 refresh tokens: bound to the client, rotated, reuse revokes', () => {
  // single use as RFC 9700 §4.14.2 states it; the retry window Valtuus adds on top (README
  // "Guarantees under faults") is tested in refresh_retry.test.ts
  const fx = useServerOnRedis({ REFRESH_REUSE_GRACE_SECONDS: '0' });
  let tpp: RegisteredClient;
  let attacker: RegisteredClient;

  before(async () => {
    tpp = await registerWebClient(fx.srv, 'Budget Buddy');
    attacker = await registerWebClient(fx.srv, 'Attacker TPP');
  });

  const tokens = async (scope = 'openid accounts:read'): Promise<Json> => {
    const flow = await authorize(fx.srv.url, accountsParams(tpp, scope), await createCustomer(fx.srv.deps));
    const res = await redeemCode(fx.srv, tpp, flow);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(body.refresh_token).to.be.a('string');
    return body;
  };
  const introspect = async (token: string) =>
    json(await postForm(`${fx.srv.url}/token/introspection`, { token }, { authorization: basic(tpp.client_id, tpp.client_secret) }));

  it('RFC 6749 §10.4 a refresh token is bound to its client: another authenticated client gets invalid_grant', async () => {
    const { refresh_token } = await tokens();
    await expectOAuthError(await refresh(fx.srv, attacker, refresh_token), 400, 'invalid_grant');
    expect((await refresh(fx.srv, tpp, refresh_token)).status, 'the real client can still use it').to.equal(200);
  });

  it('RFC 9700 §4.14.2 rotation: every refresh returns a new refresh token and counts on the chain', async () => {
    const first = await tokens();
    const second = await json(await refresh(fx.srv, tpp, first.refresh_token));
    expect(second.refresh_token).to.be.a('string').and.not.equal(first.refresh_token);
    expect(second.refresh_count).to.equal(1);
    const third = await json(await refresh(fx.srv, tpp, second.refresh_token));
    expect(third.refresh_token).to.be.a('string').and.not.equal(second.refresh_token);
    expect(third.refresh_count).to.equal(2);
  });

  it('RFC 9700 §4.14.2 reuse of a rotated refresh token gets invalid_grant and revokes the whole grant', async () => {
    const first = await tokens();
    const second = await json(await refresh(fx.srv, tpp, first.refresh_token));
    const third = await json(await refresh(fx.srv, tpp, second.refresh_token));
    expect(third.refresh_token).to.be.a('string');
    // the attacker replays the stolen, already rotated token (its successor was used: no retry window applies)
    await expectOAuthError(await refresh(fx.srv, tpp, first.refresh_token), 400, 'invalid_grant');
    // and the legitimate client's newest tokens are dead too
    await expectOAuthError(await refresh(fx.srv, tpp, third.refresh_token), 400, 'invalid_grant');
    expect(await introspect(third.access_token)).to.deep.equal({ active: false });
    expect(await introspect(first.access_token)).to.deep.equal({ active: false });
  });

  it('RFC 9700 §4.14.2 of 10 concurrent refreshes with one token exactly one succeeds, the rest get invalid_grant', async () => {
    const { refresh_token } = await tokens();
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(fx.srv, tpp, refresh_token)));
    expect(responses.filter((r) => r.status === 200)).to.have.length(1);
    for (const res of responses.filter((r) => r.status !== 200)) {
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_grant');
    }
  });

  describe('RFC 6749 §6 scope at refresh: never wider than granted', () => {
    it('refuses a scope of the same API the customer did not grant (invalid_scope)', async () => {
      const { refresh_token } = await tokens('openid accounts:read');
      const res = await tokenRequest(fx.srv, tpp, { grant_type: 'refresh_token', refresh_token, scope: 'accounts:read accounts:write' });
      await expectOAuthError(res, 400, 'invalid_scope');
    });

    it('refuses a scope of another API (invalid_scope)', async () => {
      const { refresh_token } = await tokens('openid accounts:read');
      const res = await tokenRequest(fx.srv, tpp, { grant_type: 'refresh_token', refresh_token, scope: 'public:read' });
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_scope');
    });

    it('refuses a resource the grant does not cover (RFC 8707 §2.2 invalid_target)', async () => {
      const { refresh_token } = await tokens('openid accounts:read');
      const res = await tokenRequest(fx.srv, tpp, {
        grant_type: 'refresh_token',
        refresh_token,
        resource: 'https://api.valtuus.example/payments',
      });
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_target');
    });

    it('refuses an unknown scope (invalid_scope)', async () => {
      const { refresh_token } = await tokens('openid accounts:read');
      const res = await tokenRequest(fx.srv, tpp, { grant_type: 'refresh_token', refresh_token, scope: 'accounts:read admin' });
      await expectOAuthError(res, 400, 'invalid_scope');
    });

    it('positive control: narrowing to a granted subset is allowed and gives that subset', async () => {
      const { refresh_token } = await tokens('openid accounts:read accounts:write');
      const res = await tokenRequest(fx.srv, tpp, { grant_type: 'refresh_token', refresh_token, scope: 'accounts:read' });
      const body = await json(res);
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(body.scope).to.equal('accounts:read');
      expect((await introspect(body.access_token)).scope).to.equal('accounts:read');
    });
  });

  it('RFC 6749 §1.5 a refresh token is not an access token: the userinfo endpoint refuses it', async () => {
    const { refresh_token } = await tokens();
    const res = await fetch(`${fx.srv.url}/me`, { headers: { authorization: `Bearer ${refresh_token}` } });
    expect(res.status).to.equal(401);
  });

  it('RFC 7009 §2.1 revoking the refresh token ends the chain', async () => {
    const { refresh_token } = await tokens();
    const res = await postForm(
      `${fx.srv.url}/token/revocation`,
      { token: refresh_token, token_type_hint: 'refresh_token' },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );
    expect(res.status).to.equal(200);
    await expectOAuthError(await refresh(fx.srv, tpp, refresh_token), 400, 'invalid_grant');
  });

  it('RFC 7009 §2.1 another client cannot revoke a refresh token it does not hold', async () => {
    const { refresh_token } = await tokens();
    await postForm(
      `${fx.srv.url}/token/revocation`,
      { token: refresh_token, token_type_hint: 'refresh_token' },
      { authorization: basic(attacker.client_id, attacker.client_secret) },
    );
    expect((await refresh(fx.srv, tpp, refresh_token)).status).to.equal(200);
  });
});
