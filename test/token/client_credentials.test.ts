import { expect } from 'chai';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';

import {
  basic,
  expectOAuthError,
  json,
  postForm,
  registerClient,
  startTestServer,
  storeClientUnchecked,
  type RegisteredClient,
  type TestServer,
} from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const PUBLIC_DATA = 'https://api.valtuus.example/public-data';

describe('token endpoint: client_credentials (RFC 6749 §4.4) on Redis', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
    tpp = await registerClient(srv, { name: 'Rates Monitor' });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const tokenRequest = (form: Record<string, string>, secret = tpp.client_secret, id = tpp.client_id) =>
    postForm(`${srv.url}/token`, { grant_type: 'client_credentials', ...form }, { authorization: basic(id, secret) });

  it('issues a token with the promised fields and Cache-Control: no-store (RFC 6749 §5.1, README "Two commands")', async () => {
    const res = await tokenRequest({ scope: 'public:read' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const body = await json(res);
    expect(body.access_token).to.be.a('string').with.length.greaterThan(20);
    expect(body.token_type).to.equal('Bearer');
    expect(body.expires_in).to.be.a('number').that.satisfies(Number.isInteger).and.is.within(1, 900);
    expect(body.scope).to.equal('public:read');
    expect(body.status).to.equal('approved');
    expect(body.refresh_count).to.equal(0);
    expect(body).not.to.have.property('refresh_token');
    expect(body).not.to.have.property('refresh_token_expires_in');
  });

  it('resolves the API from the scope alone and introspects as active for it (RFC 8707, RFC 7662)', async () => {
    const { access_token } = await json(await tokenRequest({ scope: 'public:read' }));
    const res = await postForm(
      `${srv.url}/token/introspection`,
      { token: access_token },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );
    expect(res.status).to.equal(200);
    const info = await json(res);
    expect(info).to.include({ active: true, client_id: tpp.client_id, scope: 'public:read', aud: PUBLIC_DATA, token_type: 'Bearer' });
  });

  it('accepts an explicit resource indicator that matches the scope (RFC 8707 §2)', async () => {
    const res = await tokenRequest({ scope: 'public:read', resource: PUBLIC_DATA });
    expect(res.status).to.equal(200);
  });

  it('defaults to the client registered scopes when scope is omitted (RFC 6749 §3.3)', async () => {
    const body = await json(await tokenRequest({}));
    expect(body.scope).to.equal('public:read');
  });

  it('refuses a wrong secret with 401 invalid_client and WWW-Authenticate (RFC 6749 §5.2)', async () => {
    const res = await tokenRequest({ scope: 'public:read' }, 'not-the-secret');
    expect(res.headers.get('www-authenticate')).to.match(/^Basic /);
    await expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses an unknown client with 401 invalid_client', async () => {
    await expectOAuthError(await tokenRequest({ scope: 'public:read' }, 'x', 'no-such-client'), 401, 'invalid_client');
  });

  it('refuses an unknown scope with 400 invalid_scope instead of dropping it', async () => {
    const body = await expectOAuthError(await tokenRequest({ scope: 'public:read bogus:scope' }), 400, 'invalid_scope');
    expect(body.error_description).to.contain('bogus:scope');
  });

  it('refuses a scope the client is not registered for with 400 invalid_scope', async () => {
    const other = await registerClient(srv, { name: 'Narrow', scope: 'public:read' });
    await expectOAuthError(await tokenRequest({ scope: 'accounts:read' }, other.client_secret, other.client_id), 400, 'invalid_scope');
  });

  it('refuses client credentials for a substantial API with unauthorized_client naming the API', async () => {
    // the CLI refuses such a registration; the token endpoint must refuse on its own as well
    const wide = await storeClientUnchecked(srv, { grant_types: ['client_credentials'], scope: 'public:read accounts:read' });
    const body = await expectOAuthError(
      await tokenRequest({ scope: 'accounts:read' }, wide.client_secret, wide.client_id),
      400,
      'unauthorized_client',
    );
    expect(body.error_description).to.contain('Accounts API');
  });

  it('refuses a grant the client is not registered for with unauthorized_client (RFC 6749 §5.2)', async () => {
    const web = await registerClient(srv, {
      name: 'Web only',
      grantTypes: ['authorization_code'],
      redirectUris: ['https://tpp.example/cb'],
      scope: 'accounts:read',
    });
    const body = await expectOAuthError(
      await tokenRequest({ scope: 'accounts:read' }, web.client_secret, web.client_id),
      400,
      'unauthorized_client',
    );
    expect(body.error_description).to.contain('grant type');
  });

  it('refuses a resource indicator that names another API than the scope with invalid_scope or invalid_target', async () => {
    const res = await tokenRequest({ scope: 'public:read', resource: 'https://api.valtuus.example/accounts' });
    expect(res.status).to.equal(400);
    expect((await json(res)).error).to.equal('invalid_scope');
  });

  it('refuses an unknown resource with invalid_target', async () => {
    await expectOAuthError(await tokenRequest({ scope: 'public:read', resource: 'https://elsewhere.example/' }), 400, 'invalid_target');
  });

  it('accepts client_secret_post too, for clients registered for it', async () => {
    const post = await registerClient(srv, { name: 'Poster', authMethod: 'client_secret_post' });
    const res = await postForm(`${srv.url}/token`, {
      grant_type: 'client_credentials',
      scope: 'public:read',
      client_id: post.client_id,
      client_secret: post.client_secret,
    });
    expect(res.status).to.equal(200);
  });

  it('revokes a token (RFC 7009) so that introspection reports it inactive', async () => {
    const { access_token } = await json(await tokenRequest({ scope: 'public:read' }));
    const auth = { authorization: basic(tpp.client_id, tpp.client_secret) };
    const revoked = await postForm(`${srv.url}/token/revocation`, { token: access_token }, auth);
    expect(revoked.status).to.equal(200);
    const info = await json(await postForm(`${srv.url}/token/introspection`, { token: access_token }, auth));
    expect(info).to.deep.equal({ active: false });
  });

  it('keeps tokens across a server restart on the same store', async () => {
    const { access_token } = await json(await tokenRequest({ scope: 'public:read' }));
    await srv.close();
    srv = await startTestServer(store);
    const info = await json(
      await postForm(`${srv.url}/token/introspection`, { token: access_token }, { authorization: basic(tpp.client_id, tpp.client_secret) }),
    );
    expect(info.active).to.equal(true);
  });

  it('stores no client secret in clear anywhere in Redis', async () => {
    const secrets = [tpp.client_secret, (await srv.clients.rotateSecret(tpp.client_id)).client_secret as string];
    const redis = store.probe;
    const keys = await redis.keys(`${store.prefix}*`);
    expect(keys.length).to.be.greaterThan(0);
    for (const key of keys) {
      const type = await redis.type(key);
      const dump =
        type === 'string' ? await redis.get(key) : JSON.stringify(type === 'hash' ? await redis.hgetall(key) : await redis.smembers(key));
      for (const secret of secrets) expect(dump, key).not.to.contain(secret);
    }
    tpp = { ...tpp, client_secret: secrets[1]! };
  });

  it('stops accepting the old secret after rotation', async () => {
    const old = tpp.client_secret;
    const { client_secret } = (await srv.clients.rotateSecret(tpp.client_id)) as { client_secret: string };
    await expectOAuthError(await tokenRequest({ scope: 'public:read' }, old), 401, 'invalid_client');
    expect((await tokenRequest({ scope: 'public:read' }, client_secret)).status).to.equal(200);
    tpp = { ...tpp, client_secret };
  });

  describe('as seen by standard client libraries', () => {
    it('openid-client gets a token with the promised fields', async () => {
      const config = await client.discovery(new URL(srv.url), tpp.client_id, tpp.client_secret, undefined, {
        execute: [client.allowInsecureRequests],
      });
      const tokens = await client.clientCredentialsGrant(config, { scope: 'public:read' });
      expect(tokens.token_type).to.equal('bearer');
      expect(tokens.access_token).to.be.a('string');
      expect(tokens.expires_in).to.be.a('number');
      expect(tokens.status).to.equal('approved');
      expect(tokens.refresh_count).to.equal(0);
    });

    it('oauth4webapi gets a token with client_secret_basic', async () => {
      const as = await oauth.processDiscoveryResponse(
        new URL(srv.url),
        await oauth.discoveryRequest(new URL(srv.url), { [oauth.allowInsecureRequests]: true }),
      );
      const c: oauth.Client = { client_id: tpp.client_id };
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        c,
        oauth.ClientSecretBasic(tpp.client_secret),
        new URLSearchParams({ scope: 'public:read' }),
        {
          [oauth.allowInsecureRequests]: true,
        },
      );
      const tokens = await oauth.processClientCredentialsResponse(as, c, res);
      expect(tokens.access_token).to.be.a('string');
      expect(tokens.status).to.equal('approved');
    });
  });
});
