import { expect } from 'chai';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';

import { createSampleApi } from '../../examples/sample_api/app.ts';
import { seedSampleApiClient, type SampleApiCredentials } from '../../examples/sample_api/seed.ts';
import { createLogger } from '../../server/ops/logger.ts';
import { REDIRECT_URI } from '../support/code_grant.ts';
import { createCustomer } from '../support/flow.ts';
import { registerClient, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { listen, startAuthorizationServer, type Listening, type TokenFormat } from '../resource_server/support.ts';
import { discoveredClient, openidLogin } from './support.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

for (const format of ['opaque', 'jwt'] as TokenFormat[]) {
  describe(`an OpenID login that also asks for an API scope, ${format} tokens (OIDC Core §5.3, RFC 7662 §2.2)`, function () {
    this.timeout(20_000);
    let store: TestRedisStore;
    let srv: TestServer;
    let api: Listening;
    let apiClient: SampleApiCredentials;
    let tpp: RegisteredClient;
    let config: client.Configuration;

    before(async () => {
      store = await openTestRedisStore();
      srv = await startAuthorizationServer(store, format);
      apiClient = await seedSampleApiClient(srv.clients);
      api = await listen(createSampleApi({ issuer: srv.url, introspection: apiClient, logger: createLogger('silent') }));
      tpp = await registerClient(srv, {
        name: 'Budget Buddy',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
        scope: 'openid accounts:read',
      });
      config = await discoveredClient(srv, tpp);
    });

    after(async () => {
      await api?.close();
      await srv?.close();
      await store?.close();
    });

    /** RFC 7662 as oauth4webapi asks, with the Service API's own client. */
    async function introspect(token: string): Promise<oauth.IntrospectionResponse> {
      const as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
      const caller: oauth.Client = { client_id: apiClient.clientId };
      const res = await oauth.introspectionRequest(as, caller, oauth.ClientSecretBasic(apiClient.clientSecret), token, insecure);
      return oauth.processIntrospectionResponse(as, caller, res);
    }

    it('gives one access token that userinfo (openid-client) and the Accounts API both accept', async () => {
      const customer = await createCustomer(srv.deps);
      const { tokens, raw } = await openidLogin(config, customer, 'openid accounts:read');
      expect(raw.scope, 'the token response names openid with the ID token').to.equal('openid accounts:read');
      expect(raw.id_token).to.be.a('string');

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, customer.sub);
      expect(userinfo.sub).to.equal(customer.sub);

      const res = await fetch(`${api.url}/accounts`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(((await res.json()) as { accounts: unknown[] }).accounts).to.be.an('array');
    });

    it('introspection answers active with the claims, and inactive once the grant is withdrawn by revoking its refresh token', async () => {
      const customer = await createCustomer(srv.deps);
      const { tokens } = await openidLogin(config, customer, 'openid accounts:read');
      const active = await introspect(tokens.access_token);
      expect(active).to.include({ active: true, sub: customer.sub, client_id: tpp.client_id, aud: 'https://api.valtuus.example/accounts' });
      expect(active.scope).to.equal('openid accounts:read');
      expect(active.token_type).to.equal('Bearer');
      expect(active.exp).to.be.a('number');

      await client.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
      expect(await introspect(tokens.access_token)).to.deep.equal({ active: false });
      const userinfo = await fetch(`${srv.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(userinfo.status).to.equal(401);
      expect(userinfo.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
    });

    it('introspection answers inactive once the access token itself is revoked (RFC 7009 §2.1)', async () => {
      const customer = await createCustomer(srv.deps);
      const { tokens } = await openidLogin(config, customer, 'openid accounts:read');
      expect((await introspect(tokens.access_token)).active).to.equal(true);
      await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
      expect(await introspect(tokens.access_token)).to.deep.equal({ active: false });
      const res = await fetch(`${api.url}/accounts`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      if (format === 'opaque') expect(res.status).to.equal(401);
    });

    it('a login for the API alone gives a token that userinfo refuses (insufficient_scope: no openid)', async () => {
      const customer = await createCustomer(srv.deps);
      const { tokens, raw } = await openidLogin(config, customer, 'accounts:read');
      expect(raw.scope).to.equal('accounts:read');
      const res = await fetch(`${srv.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(res.status).to.equal(403);
      expect(res.headers.get('www-authenticate')).to.match(/error="insufficient_scope"/);
    });
  });
}
