import { expect } from 'chai';
import * as oauth from 'oauth4webapi';

import { apigeeTokenResponse } from '../../server/token/apigee.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { REDIRECT_URI, accountsParams, redeemCode, refresh } from '../support/code_grant.ts';
import { basic, json, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const DIGITS = /^\d+$/;

describe('token endpoint: response profiles, default (RFC 6749 §5.1) and Apigee OAuthV2 (README "Token response profiles")', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let apigee: RegisteredClient;
  let standard: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
    const web = {
      grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      scope: 'openid public:read accounts:read',
    };
    apigee = await registerClient(srv, { ...web, name: 'Legacy TPP', tokenResponseProfile: 'apigee' });
    standard = await registerClient(srv, { ...web, name: 'Modern TPP' });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const clientCredentials = (tpp: RegisteredClient) =>
    postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read' },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );

  it('gives an Apigee client every field as a string, BearerToken, and issue times in epoch milliseconds', async () => {
    const before = Date.now();
    const res = await clientCredentials(apigee);
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const body = await json(res);
    expect(Object.keys(body).sort()).to.deep.equal(
      [
        'access_token',
        'api_product_list',
        'application_name',
        'client_id',
        'expires_in',
        'issued_at',
        'refresh_count',
        'scope',
        'status',
        'token_type',
      ].sort(),
    );
    expect(Object.values(body).every((v) => typeof v === 'string')).to.equal(true);
    expect(body).to.include({
      token_type: 'BearerToken',
      status: 'approved',
      refresh_count: '0',
      scope: 'public:read',
      client_id: apigee.client_id,
      application_name: 'Legacy TPP',
      api_product_list: '[public-data]',
    });
    expect(body.expires_in).to.match(DIGITS);
    expect(Number(body.issued_at)).to.be.within(before, Date.now());
  });

  it('shapes refresh fields the Apigee way after a code exchange and a refresh', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await authorize(srv.url, accountsParams(apigee, 'accounts:read'), customer);
    const first = await json(await redeemCode(srv, apigee, flow));
    expect(first).to.include({ token_type: 'BearerToken', refresh_count: '0', refresh_token_status: 'approved' });
    expect(first.refresh_token_expires_in).to.match(DIGITS);
    expect(Number(first.refresh_token_issued_at)).to.be.within(Date.now() - 60_000, Date.now());
    expect(first.refresh_token_issued_at.length).to.equal(13); // milliseconds, not seconds

    const second = await json(await refresh(srv, apigee, first.refresh_token));
    expect(second.refresh_count).to.equal('1');
    expect(Object.values(second).every((v) => typeof v === 'string')).to.equal(true);
  });

  it('keeps the default response unchanged for other clients, and oauth4webapi accepts it', async () => {
    const body = await json(await clientCredentials(standard));
    expect(body).to.include({ token_type: 'Bearer', status: 'approved', refresh_count: 0, scope: 'public:read' });
    expect(body.expires_in).to.be.a('number');
    expect(body).not.to.have.property('issued_at');

    const as = await oauth.processDiscoveryResponse(
      new URL(srv.url),
      await oauth.discoveryRequest(new URL(srv.url), { [oauth.allowInsecureRequests]: true }),
    );
    const client: oauth.Client = { client_id: standard.client_id };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(standard.client_secret),
      new URLSearchParams({ scope: 'public:read' }),
      {
        [oauth.allowInsecureRequests]: true,
      },
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, res);
    expect(tokens.token_type).to.equal('bearer');
  });

  it('maps the default response to the Apigee shape field by field', () => {
    const shaped = apigeeTokenResponse(
      {
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'accounts:read',
        status: 'approved',
        refresh_count: 2,
        refresh_token: 'rt',
        refresh_token_expires_in: 86399,
        refresh_token_issued_at: 1764547200,
      },
      { clientId: 'c1', clientName: 'Legacy TPP', apiIds: ['accounts'], nowMs: 1764547200123 },
    );
    expect(shaped).to.deep.equal({
      access_token: 'at',
      token_type: 'BearerToken',
      issued_at: '1764547200123',
      expires_in: '3600',
      scope: 'accounts:read',
      client_id: 'c1',
      application_name: 'Legacy TPP',
      api_product_list: '[accounts]',
      status: 'approved',
      refresh_count: '2',
      refresh_token: 'rt',
      refresh_token_status: 'approved',
      refresh_token_expires_in: '86399',
      refresh_token_issued_at: '1764547200000',
    });
  });

  it('never offers the Apigee profile to a client of a high API', async () => {
    let refused: Error | undefined;
    await registerClient(srv, {
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      scope: 'payments:write',
      authMethod: 'private_key_jwt',
      jwks: {
        keys: [
          { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
        ],
      },
      tokenResponseProfile: 'apigee',
    }).catch((err: Error) => (refused = err));
    expect(refused?.message).to.contain('apigee').and.contain('high API');
  });
});
