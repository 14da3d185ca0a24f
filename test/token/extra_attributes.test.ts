import { expect } from 'chai';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import {
  basic,
  expectOAuthError,
  json,
  postForm,
  registerClient,
  type RegisteredClient,
  type TestServer,
  useServerOnRedis,
} from '../support/server.ts';

// a registry where the low API wants to know, in every token request, why the data is fetched
const apis = parseApiRegistry(
  sampleApis.map((api) =>
    api.id === 'public-data'
      ? {
          ...api,
          extraAttributes: [
            {
              name: 'purpose',
              where: 'token',
              pattern: '^(pricing|research|display)$',
              description: 'why the data is fetched: pricing, research or display',
            },
          ],
        }
      : api,
  ),
);

describe('extra attributes in token requests (README "APIs and scopes")', () => {
  const fx = useServerOnRedis({}, { apis });
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerClient(srv);
  });

  const token = (form: Record<string, string>) =>
    postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read', ...form },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );

  it('refuses a missing attribute with invalid_request naming it and the API', async () => {
    const body = await expectOAuthError(await token({}), 400, 'invalid_request');
    expect(body.error_description).to.contain("'purpose'").and.contain('Public data API');
  });

  it('refuses a malformed attribute with invalid_request naming it', async () => {
    const body = await expectOAuthError(await token({ purpose: 'spying' }), 400, 'invalid_request');
    expect(body.error_description).to.contain("'purpose'").and.contain('malformed');
  });

  it('carries a valid attribute into the token, as introspection shows', async () => {
    const res = await token({ purpose: 'pricing' });
    expect(res.status).to.equal(200);
    const { access_token } = await json(res);
    const info = await json(
      await postForm(`${srv.url}/token/introspection`, { token: access_token }, { authorization: basic(tpp.client_id, tpp.client_secret) }),
    );
    expect(info).to.include({ active: true, purpose: 'pricing' });
  });
});
