import { expect } from 'chai';
import * as client from 'openid-client';

import { REDIRECT_URI } from '../support/code_grant.ts';
import { createCustomer } from '../support/flow.ts';
import { registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { discoveredClient, openidLogin } from './support.ts';

describe('offline_access (OIDC Core §11) from a client registered without it', function () {
  this.timeout(20_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;
  let config: client.Configuration;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
    tpp = await registerClient(srv, {
      name: 'oidc-agent',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      scope: 'openid accounts:read',
    });
    config = await discoveredClient(srv, tpp);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  for (const prompt of [undefined, 'consent']) {
    it(`is never refused for a client allowed the refresh grant, and a refresh token comes (prompt=${prompt ?? 'unset'})`, async () => {
      const customer = await createCustomer(srv.deps);
      const { tokens, raw } = await openidLogin(config, customer, 'openid offline_access accounts:read', prompt ? { prompt } : {});
      expect(tokens.refresh_token).to.be.a('string');
      // oidc-provider keeps offline_access only with prompt=consent (OIDC Core §11); then the scope names it
      expect(raw.scope).to.equal(prompt ? 'openid offline_access accounts:read' : 'openid accounts:read');
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).to.be.a('string');
    });
  }

  it('is dropped, not refused, for a client without the refresh grant (no refresh token)', async () => {
    const codeOnly = await registerClient(srv, {
      name: 'Code only',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      scope: 'openid accounts:read',
    });
    const customer = await createCustomer(srv.deps);
    const { tokens } = await openidLogin(await discoveredClient(srv, codeOnly), customer, 'openid offline_access accounts:read', {
      prompt: 'consent',
    });
    expect(tokens.access_token).to.be.a('string');
    expect(tokens.refresh_token).to.equal(undefined);
  });
});
