import { expect } from 'chai';

import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { expectOAuthError, json, type Json, type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';

const isInteger = (n: unknown) => Number.isInteger(n);

describe('token endpoint: refresh_token response fields along a chain (RFC 6749 §6); binding, reuse and races: test/token/refresh_token.test.ts', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
  });

  const freshTokens = async (): Promise<Json> => {
    const flow = await authorize(srv.url, accountsParams(tpp), await createCustomer(srv.deps));
    return json(await redeemCode(srv, tpp, flow));
  };

  it('rotates on every use; refresh_count is 0, 1, 2 along the chain, with integer refresh_token_expires_in and issued_at', async () => {
    const issued = await freshTokens();
    expect(issued.refresh_count).to.equal(0);
    let current = issued.refresh_token as string;
    for (const expected of [1, 2]) {
      const res = await refresh(srv, tpp, current);
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      const body = await json(res);
      expect(body.status).to.equal('approved');
      expect(body.refresh_count).to.equal(expected);
      expect(body.refresh_token).to.be.a('string').and.not.equal(current);
      expect(body.access_token).to.be.a('string').and.not.equal(issued.access_token);
      expect(body.token_type).to.equal('Bearer');
      expect(body.expires_in).to.satisfy(isInteger);
      expect(body.scope).to.equal('openid accounts:read');
      expect(body.id_token).to.be.a('string');
      expect(body.refresh_token_expires_in).to.satisfy(isInteger).and.be.within(1, 15_552_000);
      expect(body.refresh_token_issued_at)
        .to.satisfy(isInteger)
        .and.be.within(issued.refresh_token_issued_at, issued.refresh_token_issued_at + 60);
      current = body.refresh_token;
    }
  });

  it('the chain keeps the lifetime of the consent: a refresh does not extend it', async () => {
    const issued = await freshTokens();
    const body = await json(await refresh(srv, tpp, issued.refresh_token));
    const issuedEnd = issued.refresh_token_issued_at + issued.refresh_token_expires_in;
    const refreshedEnd = body.refresh_token_issued_at + body.refresh_token_expires_in;
    expect(refreshedEnd).to.be.within(issuedEnd - 2, issuedEnd + 2);
  });

  it('a deleted customer’s refresh token stops working', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await authorize(srv.url, accountsParams(tpp), customer);
    const issued = await json(await redeemCode(srv, tpp, flow));
    await srv.deps.accounts.accounts.delete(customer.username);
    await expectOAuthError(await refresh(srv, tpp, issued.refresh_token), 400, 'invalid_grant');
  });
});
