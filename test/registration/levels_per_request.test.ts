import { expect } from 'chai';

import { basic, expectOAuthError, json, postForm, registerClient, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

describe('one client, several APIs: levels enforced per request (README "APIs and scopes", RFC 6749 §4.4)', () => {
  let store: TestRedisStore;
  let srv: TestServer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const clientCredentials = (id: string, secret: string, scope: string) =>
    postForm(`${srv.url}/token`, { grant_type: 'client_credentials', scope }, { authorization: basic(id, secret) });

  it('registers client credentials with public:read beside the code grant with accounts:read', async () => {
    const tpp = await registerClient(srv, {
      name: 'Budget Planner',
      grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
      redirectUris: ['https://planner.example/cb'],
      scope: 'public:read accounts:read',
    });
    expect(tpp.apis).to.deep.equal([
      { api: 'public-data', level: 'low', scopes: ['public:read'] },
      { api: 'accounts', level: 'substantial', scopes: ['accounts:read'] },
    ]);

    const low = await clientCredentials(tpp.client_id, tpp.client_secret, 'public:read');
    expect(low.status).to.equal(200);
    expect((await json(low)).scope).to.equal('public:read');

    const substantial = await expectOAuthError(
      await clientCredentials(tpp.client_id, tpp.client_secret, 'accounts:read'),
      400,
      'unauthorized_client',
    );
    expect(substantial.error_description).to.contain('Accounts API').and.contain('level substantial').and.contain('client_credentials');
  });

  it('still refuses a grant that none of the client’s APIs allows', async () => {
    let refused: Error | undefined;
    await registerClient(srv, { grantTypes: ['client_credentials'], scope: 'accounts:read' }).catch((err: Error) => (refused = err));
    expect(refused?.message).to.contain('grant client_credentials refused').and.contain('Accounts API');
  });

  it('holds each API’s auth-method rule: a secret is refused once a high API is among the scopes', async () => {
    let refused: Error | undefined;
    await registerClient(srv, {
      grantTypes: ['client_credentials', 'authorization_code'],
      redirectUris: ['https://planner.example/cb'],
      scope: 'public:read payments:write',
    }).catch((err: Error) => (refused = err));
    expect(refused?.message).to.contain('auth method client_secret_basic refused').and.contain('Payments API');
  });
});
