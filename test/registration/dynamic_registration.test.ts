import { expect } from 'chai';
import * as client from 'openid-client';

import { isSecretDigest } from '../../server/clients/secrets.ts';
import type { InitialAccessTokens } from '../../server/clients/initial_access_tokens.ts';
import { basic, expectOAuthError, json, postForm, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { auditLog, initialAccessTokens, registrationCall } from './support.ts';

const M2M = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'public:read' };

describe('dynamic client registration (RFC 7591) and management (RFC 7592)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let iats: InitialAccessTokens;
  const audit = auditLog();

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, { LOG_LEVEL: 'info' }, { logTo: audit.stream });
    iats = initialAccessTokens(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const register = async (metadata: object, token?: string) =>
    registrationCall(`${srv.url}/reg`, 'POST', token ?? (await iats.create({})).initial_access_token, metadata);

  it('logs neither the secret nor the initial or registration access token', async () => {
    const { initial_access_token } = await iats.create({});
    const created = await json(await register({ ...M2M, client_name: 'Quiet Bot' }, initial_access_token));
    await registrationCall(String(created.registration_client_uri), 'GET', created.registration_access_token);
    const logs = audit.text();
    expect(logs).to.contain(created.client_id);
    for (const secret of [initial_access_token, created.client_secret, created.registration_access_token]) {
      expect(logs).not.to.contain(secret);
    }
  });

  it('lists registration_endpoint in discovery (RFC 8414 §2)', async () => {
    const meta = await json(await fetch(`${srv.url}/.well-known/oauth-authorization-server`));
    expect(meta.registration_endpoint).to.equal(`${srv.url}/reg`);
  });

  it('refuses a registration without an initial access token (RFC 7591 §3)', async () => {
    await expectOAuthError(await registrationCall(`${srv.url}/reg`, 'POST', undefined, M2M), 401, 'invalid_token');
    await expectOAuthError(await registrationCall(`${srv.url}/reg`, 'POST', 'not-a-token', M2M), 401, 'invalid_token');
  });

  it('registers through openid-client with an initial access token; the secret works and is stored as a digest', async () => {
    const { initial_access_token } = await iats.create({ scope: 'public:read' });
    const config = await client.dynamicClientRegistration(new URL(srv.url), { ...M2M, client_name: 'Rates Bot' }, undefined, {
      initialAccessToken: initial_access_token,
      execute: [client.allowInsecureRequests],
    });
    const registered = config.clientMetadata();
    expect(registered.client_secret).to.be.a('string');
    expect(Buffer.from(String(registered.client_secret), 'base64url').length).to.be.at.least(32);
    expect(registered.registration_access_token).to.be.a('string');

    const stored = await srv.store.adapter('Client').find(config.clientMetadata().client_id);
    expect(isSecretDigest(stored?.client_secret)).to.equal(true);

    const token = await client.clientCredentialsGrant(config, { scope: 'public:read' });
    expect(token.token_type).to.equal('bearer');
    expect(audit.events().some((e) => e.event === 'client.registered' && e.client_id === registered.client_id)).to.equal(true);
  });

  it('reads, updates (rotating the registration access token) and deletes through the registration access token (RFC 7592 §2)', async () => {
    const created = await json(await register({ ...M2M, client_name: 'Rates Bot' }));
    const uri = String(created.registration_client_uri);
    expect(uri).to.equal(`${srv.url}/reg/${created.client_id}`);

    const read = await registrationCall(uri, 'GET', created.registration_access_token);
    expect(read.status).to.equal(200);
    const current = await json(read);
    expect(current.client_name).to.equal('Rates Bot');
    expect(current).not.to.have.property('client_secret');

    const { registration_access_token: _rat, registration_client_uri: _uri, client_id_issued_at: _iat, ...metadata } = current;
    const updated = await registrationCall(uri, 'PUT', created.registration_access_token, { ...metadata, client_name: 'Rates Bot 2' });
    expect(updated.status).to.equal(200);
    const after = await json(updated);
    expect(after).to.include({ client_id: created.client_id, client_name: 'Rates Bot 2' });
    expect(after).not.to.have.property('client_secret');
    expect(after.registration_access_token).to.be.a('string').and.not.equal(created.registration_access_token);
    await expectOAuthError(await registrationCall(uri, 'GET', created.registration_access_token), 401, 'invalid_token');

    // the secret issued at registration still authenticates the updated client
    const cc = await postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read' },
      { authorization: basic(created.client_id, created.client_secret) },
    );
    expect(cc.status).to.equal(200);

    expect((await registrationCall(uri, 'DELETE', after.registration_access_token)).status).to.equal(204);
    await expectOAuthError(await registrationCall(uri, 'GET', after.registration_access_token), 401, 'invalid_token');
    expect(await srv.store.adapter('Client').find(created.client_id)).to.equal(undefined);
    const events = audit
      .events()
      .filter((e) => e.client_id === created.client_id)
      .map((e) => e.event);
    expect(events).to.include.members(['client.registered', 'client.updated', 'client.deleted']);
  });

  it('accepts an update that carries the issued secret, and refuses one with a wrong secret (RFC 7592 §2.2)', async () => {
    const created = await json(await register({ ...M2M, client_name: 'Echo Bot' }));
    const uri = String(created.registration_client_uri);
    const body = { client_id: created.client_id, ...M2M, client_name: 'Echo Bot 2' };
    const wrong = await registrationCall(uri, 'PUT', created.registration_access_token, { ...body, client_secret: 'not-it' });
    await expectOAuthError(wrong, 400, 'invalid_request');
    const right = await registrationCall(uri, 'PUT', created.registration_access_token, { ...body, client_secret: created.client_secret });
    expect(right.status, await right.clone().text()).to.equal(200);
    expect((await json(right)).client_name).to.equal('Echo Bot 2');
    const stored = await srv.store.adapter('Client').find(created.client_id);
    expect(isSecretDigest(stored?.client_secret)).to.equal(true);
    const cc = await postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read' },
      { authorization: basic(created.client_id, created.client_secret) },
    );
    expect(cc.status).to.equal(200);
  });

  it('applies the level rules and the token binding to updates too (RFC 7592 §2.2)', async () => {
    const { initial_access_token } = await iats.create({ scope: 'public:read accounts:read' });
    const created = await json(await register({ ...M2M, client_name: 'Rates Bot' }, initial_access_token));
    const update = (changes: object) =>
      registrationCall(String(created.registration_client_uri), 'PUT', created.registration_access_token, {
        client_id: created.client_id,
        ...M2M,
        ...changes,
      });
    const levels = await expectOAuthError(await update({ scope: 'accounts:read' }), 400, 'invalid_client_metadata');
    expect(levels.error_description).to.contain('grant client_credentials refused').and.contain('Accounts API');
    const binding = await expectOAuthError(await update({ scope: 'public:read payments:write' }), 400, 'invalid_client_metadata');
    expect(binding.error_description).to.contain('Payments API');
    // a refused update changes nothing, and the registration access token still works
    const read = await json(await registrationCall(String(created.registration_client_uri), 'GET', created.registration_access_token));
    expect(read.scope).to.equal('public:read');
  });

  it('applies the level rules to registrations: client credentials for a substantial API is refused (RFC 7591 §3.2.2)', async () => {
    const res = await register({ ...M2M, scope: 'accounts:read' });
    const body = await expectOAuthError(res, 400, 'invalid_client_metadata');
    expect(body.error_description).to.contain('client_credentials').and.contain('Accounts API');
  });

  it('refuses a client secret for a high API (private_key_jwt only)', async () => {
    const high = { grant_types: ['authorization_code'], redirect_uris: ['https://pay.example/cb'], scope: 'payments:write' };
    const secret = await expectOAuthError(await register(high), 400, 'invalid_client_metadata');
    expect(secret.error_description).to.contain('private_key_jwt');
  });

  it('holds an initial access token to the APIs it was bound to', async () => {
    const bound = await iats.create({ scope: 'public:read' });
    const res = await register(
      { grant_types: ['authorization_code'], redirect_uris: ['https://tpp.example/cb'], scope: 'accounts:read' },
      bound.initial_access_token,
    );
    const body = await expectOAuthError(res, 400, 'invalid_client_metadata');
    expect(body.error_description).to.contain('public-data').and.contain('Accounts API');
  });

  it('answers malformed registrations with 400, never a 5xx (RFC 7591 §3.2.2)', async () => {
    const { initial_access_token: token } = await iats.create({});
    for (const body of [
      { ...M2M, grant_types: 7 },
      { ...M2M, scope: ['public:read'] },
      { ...M2M, token_endpoint_auth_method: {} },
      { ...M2M, software_statement: 12 },
      { ...M2M, jwks: 'keys' },
      { ...M2M, token_response_profile: 3 },
    ]) {
      const res = await registrationCall(`${srv.url}/reg`, 'POST', token, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
    const notJson = await fetch(`${srv.url}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"grant_types":',
    });
    expect(notJson.status).to.equal(400);
  });

  it('refuses metadata only operators may set (introspection rights, legacy grants)', async () => {
    const res = await register({ ...M2M, resource_server_api: 'accounts' });
    expect((await expectOAuthError(res, 400, 'invalid_client_metadata')).error_description).to.contain('resource_server_api');
  });

  it('refuses a revoked initial access token, and lists only live ones without their values', async () => {
    const issued = await iats.create({ expiresIn: 600 });
    const listed = await iats.list();
    expect(listed.map((e) => e.id)).to.include(issued.id);
    expect(JSON.stringify(listed)).not.to.contain(issued.initial_access_token);
    await iats.revoke(issued.id);
    expect((await iats.list()).map((e) => e.id)).not.to.include(issued.id);
    await expectOAuthError(await register(M2M, issued.initial_access_token), 401, 'invalid_token');
    expect(
      audit
        .events()
        .filter((e) => e.iat_id === issued.id)
        .map((e) => e.event),
    ).to.deep.equal(['iat.issued', 'iat.revoked']);
  });
});
