import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { expect } from 'chai';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { errors } from 'oidc-provider';

import { jwksUriFailure } from '../../server/provider/client_keys_log.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface KeyedTpp {
  clientId: string;
  jwksUri: string;
  privateKey: CryptoKey;
}

describe('private_key_jwt with a jwks_uri on a loopback address (RFC 7523 §3)', () => {
  let store: TestRedisStore;
  let keysServer: Server;
  let jwksUri: string;
  let privateKey: CryptoKey;

  before(async () => {
    store = await openTestRedisStore();
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    keysServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/jwks`;
  });

  after(async () => {
    await new Promise((resolve) => keysServer?.close(resolve));
    await store?.close();
  });

  async function keyedTpp(srv: TestServer, at = jwksUri): Promise<KeyedTpp> {
    const created = await srv.clients.create({
      name: 'Keyed TPP',
      grantTypes: ['client_credentials'],
      scope: 'public:read',
      authMethod: 'private_key_jwt',
      jwksUri: at,
    });
    return { clientId: String(created.client_id), jwksUri: at, privateKey };
  }

  function clientCredentials(srv: TestServer, tpp: KeyedTpp): Promise<Response> {
    const as: oauth.AuthorizationServer = { issuer: srv.url, token_endpoint: `${srv.url}/token` };
    return oauth.clientCredentialsGrantRequest(
      as,
      { client_id: tpp.clientId },
      oauth.PrivateKeyJwt({ key: tpp.privateKey, kid: 'k1' }),
      { scope: 'public:read' },
      insecure,
    );
  }

  it('keys that cannot be fetched fail as invalid_client, and the cause is logged at warn once per client and cause', async () => {
    const lines: Record<string, unknown>[] = [];
    const logTo = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const srv = await startTestServer(store, { LOG_LEVEL: 'warn' }, { logTo });
    // a keys server that is down (production's refusal of loopback addresses is the table below)
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUri = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks`;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const tpp = await keyedTpp(srv, deadUri);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const res = await clientCredentials(srv, tpp);
        expect(res.status).to.equal(401);
        expect(((await res.json()) as { error: string }).error).to.equal('invalid_client');
      }
      const warned = lines.filter((l) => l.msg === 'client keys could not be fetched');
      expect(warned).to.have.length(1);
      expect(warned[0]).to.include({ level: 40, client_id: tpp.clientId, jwks_uri: deadUri });
      expect(warned[0]!.reason).to.be.a('string').and.not.equal('');
    } finally {
      await srv.close();
    }
  });

  it('outside production the keys on loopback are fetched and the client gets its token', async () => {
    const srv = await startTestServer(store, { NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    try {
      const res = await clientCredentials(srv, await keyedTpp(srv));
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(((await res.json()) as { access_token?: unknown }).access_token).to.be.a('string');
    } finally {
      await srv.close();
    }
  });
});

describe('the logged reason a client key set could not be fetched', () => {
  const refreshFailed = (cause: Error) =>
    new errors.InvalidClientAuth({ cause: new errors.InvalidClientMetadata('client JSON Web Key Set failed to be refreshed', { cause }) });
  const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });

  const table: [string, Error, RegExp][] = [
    ['a timeout', new TypeError('fetch failed', { cause: timeout }), /did not answer in time/],
    ['a body that is not JSON', new SyntaxError('Unexpected token < in JSON'), /did not return JSON/],
    [
      'a status other than 200',
      new Error('unexpected jwks_uri response status code, expected 200 OK, got 404 Not Found'),
      /got 404 Not Found/,
    ],
  ];
  for (const [name, cause, reason] of table) it(name, () => expect(jwksUriFailure(refreshFailed(cause))).to.match(reason));

  it('nothing for other client authentication failures', () => {
    expect(jwksUriFailure(new errors.InvalidClientAuth('invalid secret provided'))).to.equal(undefined);
  });
});
