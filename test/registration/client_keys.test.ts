import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';

import { expectOAuthError, json, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { initialAccessTokens, registrationCall } from './support.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('registration metadata: jwks_uri outside production and token_response_profile (RFC 7591 §2)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let keysServer: Server;
  let jwksUri: string;
  let privateKey: CryptoKey;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    keysServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/jwks`;
  });

  after(async () => {
    await srv?.close();
    await new Promise<void>((resolve) => keysServer?.close(() => resolve()));
    await store?.close();
  });

  const register = async (metadata: object) =>
    registrationCall(`${srv.url}/reg`, 'POST', (await initialAccessTokens(srv).create({})).initial_access_token, metadata);

  it('fetches a jwks_uri on loopback outside production: a private_key_jwt client gets a token', async () => {
    const res = await register({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'public:read',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks_uri: jwksUri,
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    const registered = await json(res);
    const as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
    const client: oauth.Client = { client_id: registered.client_id, token_endpoint_auth_signing_alg: 'ES256' };
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.PrivateKeyJwt({ key: privateKey, kid: 'k1' }),
        new URLSearchParams({ scope: 'public:read' }),
        insecure,
      ),
    );
    expect(tokens.token_type).to.equal('bearer');
  });

  it('takes token_response_profile apigee from registration metadata', async () => {
    const res = await register({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'public:read',
      token_response_profile: 'apigee',
    });
    const registered = await json(res);
    expect(registered.token_response_profile).to.equal('apigee');
    const token = await fetch(`${srv.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${registered.client_id}:${registered.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=public%3Aread',
    });
    expect((await json(token)).token_type).to.equal('BearerToken');
  });

  it('refuses an unknown token_response_profile with invalid_client_metadata', async () => {
    const res = await register({
      grant_types: ['client_credentials'],
      response_types: [],
      scope: 'public:read',
      token_response_profile: 'soap',
    });
    await expectOAuthError(res, 400, 'invalid_client_metadata');
  });
});
