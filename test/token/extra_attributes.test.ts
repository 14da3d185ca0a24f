import { expect } from 'chai';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import {
  basic,
  expectOAuthError,
  json,
  postForm,
  registerClient,
  startTestServer,
  type RegisteredClient,
  type TestServer,
} from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { accountsParams, redeemCode, registerWebClient } from '../support/code_grant.ts';
import { Flow, createCustomer, pkce } from '../support/flow.ts';

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
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, {}, { apis });
    tpp = await registerClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
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

// a registry where the Accounts API wants, in every authorization request, the branch the customer banks with
const branchApis = parseApiRegistry(
  sampleApis.map((api) =>
    api.id === 'accounts'
      ? {
          ...api,
          extraAttributes: [{ name: 'branch', where: 'authorization', pattern: '^[0-9]{3}$', description: 'the branch number' }],
        }
      : api,
  ),
);

describe('extra attributes in authorization requests, for APIs other than payments', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let web: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, {}, { apis: branchApis });
    web = await registerWebClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const push = (form: Record<string, string>) =>
    postForm(
      `${srv.url}/request`,
      { ...accountsParams(web), response_type: 'code', code_challenge: pkce().challenge, code_challenge_method: 'S256', ...form },
      { authorization: basic(web.client_id, web.client_secret) },
    );

  it('refuses a missing or malformed attribute at PAR with invalid_request naming it', async () => {
    expect((await expectOAuthError(await push({}), 400, 'invalid_request')).error_description).to.contain("'branch'");
    expect((await expectOAuthError(await push({ branch: 'x' }), 400, 'invalid_request')).error_description).to.contain('malformed');
  });

  it('shows a valid attribute at consent and carries it into the token, as introspection shows', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, { ...accountsParams(web), branch: '042' });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    expect(flow.html).to.contain('the branch number').and.contain('042');
    await flow.consent('allow');
    const { access_token } = await json(await redeemCode(srv, web, flow));
    const info = await json(
      await postForm(`${srv.url}/token/introspection`, { token: access_token }, { authorization: basic(web.client_id, web.client_secret) }),
    );
    expect(info).to.include({ active: true, branch: '042' });
  });
});
