import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';

import { expectOAuthError, json, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { initialAccessTokens, registrationCall } from './support.ts';

interface Directory {
  privateKey: CryptoKey;
  jwks: { keys: object[] };
}

async function directory(kid: string): Promise<Directory> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] } };
}

function statement(dir: Directory, kid: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer('https://directory.example')
    .setIssuedAt()
    .sign(dir.privateKey);
}

const CLAIMS = {
  software_id: 'budget-planner',
  org_id: 'org-42',
  software_roles: ['AISP'],
  client_name: 'Budget Planner (from the directory)',
  redirect_uris: ['https://planner.example/cb'],
};
const REQUEST = {
  grant_types: ['authorization_code'],
  scope: 'accounts:read',
  client_name: 'Something else',
  redirect_uris: ['https://attacker.example/cb'],
};

describe('dynamic registration with software statements (RFC 7591 §2.3, §3.2.2)', () => {
  let store: TestRedisStore;
  const servers: { close(): Promise<void> }[] = [];
  let trusted: Directory;
  let stranger: Directory;

  before(async () => {
    store = await openTestRedisStore();
    trusted = await directory('dir-1');
    stranger = await directory('other-1');
  });

  after(async () => {
    for (const s of servers) await s.close();
    await store?.close();
  });

  async function serverTrusting(keys: string | undefined): Promise<TestServer> {
    const srv = await startTestServer(store, keys ? { SOFTWARE_STATEMENT_JWKS: keys } : {});
    servers.push(srv);
    return srv;
  }

  async function register(srv: TestServer, body: object): Promise<Response> {
    const { initial_access_token } = await initialAccessTokens(srv).create({});
    return registrationCall(`${srv.url}/reg`, 'POST', initial_access_token, body);
  }

  it('accepts a statement signed by a configured directory key; its claims win over the request', async () => {
    const srv = await serverTrusting(JSON.stringify(trusted.jwks));
    const res = await register(srv, { ...REQUEST, software_statement: await statement(trusted, 'dir-1', CLAIMS) });
    expect(res.status, await res.clone().text()).to.equal(201);
    const client = await json(res);
    expect(client).to.include({ software_id: 'budget-planner', org_id: 'org-42', client_name: CLAIMS.client_name });
    expect(client.redirect_uris).to.deep.equal(CLAIMS.redirect_uris);
    expect(client.software_roles).to.deep.equal(['AISP']);

    // an update cannot take the directory's redirect URIs away (RFC 7591 §2.3)
    const {
      registration_access_token: rat,
      registration_client_uri: uri,
      client_id_issued_at: _iat,
      client_secret: _s,
      client_secret_expires_at: _e,
      ...metadata
    } = client;
    const updated = await json(await registrationCall(uri, 'PUT', rat, { ...metadata, redirect_uris: ['https://attacker.example/cb'] }));
    expect(updated.redirect_uris, JSON.stringify(updated)).to.deep.equal(CLAIMS.redirect_uris);
  });

  it('refuses a statement signed by an unknown key with unapproved_software_statement', async () => {
    const srv = await serverTrusting(JSON.stringify(trusted.jwks));
    const res = await register(srv, { ...REQUEST, software_statement: await statement(stranger, 'other-1', CLAIMS) });
    await expectOAuthError(res, 400, 'unapproved_software_statement');
  });

  it('refuses a forged statement that names a trusted key id with unapproved_software_statement', async () => {
    const srv = await serverTrusting(JSON.stringify(trusted.jwks));
    const res = await register(srv, { ...REQUEST, software_statement: await statement(stranger, 'dir-1', CLAIMS) });
    await expectOAuthError(res, 400, 'unapproved_software_statement');
  });

  it('refuses a statement that is not a JWT, or has expired, with invalid_software_statement', async () => {
    const srv = await serverTrusting(JSON.stringify(trusted.jwks));
    await expectOAuthError(await register(srv, { ...REQUEST, software_statement: 'not.a.jwt' }), 400, 'invalid_software_statement');
    const expired = await statement(trusted, 'dir-1', { ...CLAIMS, exp: Math.floor(Date.now() / 1000) - 60 });
    await expectOAuthError(await register(srv, { ...REQUEST, software_statement: expired }), 400, 'invalid_software_statement');
  });

  it('refuses every statement when no directory is configured', async () => {
    const srv = await serverTrusting(undefined);
    const res = await register(srv, { ...REQUEST, software_statement: await statement(trusted, 'dir-1', CLAIMS) });
    await expectOAuthError(res, 400, 'unapproved_software_statement');
  });

  it('fetches the directory keys from SOFTWARE_STATEMENT_JWKS given as a URL', async () => {
    const keysServer: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(trusted.jwks));
    });
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => keysServer.close(() => resolve())) });
    const srv = await serverTrusting(`http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/jwks`);
    const res = await register(srv, { ...REQUEST, software_statement: await statement(trusted, 'dir-1', CLAIMS) });
    expect(res.status, await res.clone().text()).to.equal(201);
  });
});
