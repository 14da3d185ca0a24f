import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';

import { startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('private_key_jwt with a jwks_uri that cannot be fetched (RFC 7523 §3): the reason is logged', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let keysServer: Server;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    store = await openTestRedisStore();
    const logTo = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    srv = await startTestServer(store, { LOG_LEVEL: 'warn' }, { logTo });
  });

  after(async () => {
    await new Promise((resolve) => keysServer?.close(resolve));
    await srv?.close();
    await store?.close();
  });

  it('a loopback jwks_uri fails as invalid_client, and the cause is logged at warn once per client and cause', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    keysServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/jwks`;
    const created = await srv.clients.create({
      name: 'Keyed TPP',
      grantTypes: ['client_credentials'],
      scope: 'public:read',
      authMethod: 'private_key_jwt',
      jwksUri,
    });
    const as: oauth.AuthorizationServer = { issuer: srv.url, token_endpoint: `${srv.url}/token` };
    const tpp: oauth.Client = { client_id: String(created.client_id) };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        tpp,
        oauth.PrivateKeyJwt({ key: privateKey, kid: 'k1' }),
        { scope: 'public:read' },
        insecure,
      );
      expect(res.status).to.equal(401);
      expect(((await res.json()) as { error: string }).error).to.equal('invalid_client');
    }
    const warned = lines.filter((l) => l.msg === 'client keys could not be fetched');
    expect(warned).to.have.length(1);
    expect(warned[0]).to.include({ level: 40, client_id: created.client_id, jwks_uri: jwksUri });
    expect(warned[0]!.reason).to.match(/private, loopback or other special-use address/);
  });
});
