import { randomUUID } from 'node:crypto';

import { expect } from 'chai';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import Koa from 'koa';

import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { testJwks, type TestServer } from '../support/server.ts';
import { requireToken } from '../../resource_server/index.ts';
import { startResourceServers, type ResourceServers } from './harness.ts';
import {
  RESOURCE,
  clientCredentialsToken,
  deadUrl,
  expectRefusal,
  listen,
  registerTpp,
  startAuthorizationServer,
  type Credentials,
  type Listening,
} from './support.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const now = () => Math.floor(Date.now() / 1000);

interface Signer {
  kid: string;
  key: CryptoKey | Uint8Array;
  alg: string;
}

function sign(signer: Signer, claims: Record<string, unknown>, typ = 'at+jwt'): Promise<string> {
  return new SignJWT({ jti: randomUUID(), iat: now(), exp: now() + 300, scope: 'public:read', sub: 'tpp', client_id: 'tpp', ...claims })
    .setProtectedHeader({ alg: signer.alg, typ, kid: signer.kid })
    .sign(signer.key);
}

describe('resource server middleware: RFC 9068 JWT access tokens, verified locally', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let rs: ResourceServers;
  let tpp: Credentials;
  let asKey: Signer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startAuthorizationServer(store, 'jwt');
    // the introspection secret is wrong: every answer below comes from local verification
    rs = await startResourceServers(srv, { introspection: { clientSecret: 'unused' } });
    tpp = await registerTpp(srv);
    const jwk = testJwks().keys[0]!;
    asKey = { kid: jwk.kid!, key: (await importJWK(jwk as JWK, 'PS256')) as CryptoKey, alg: 'PS256' };
  });

  after(async () => {
    await rs?.close();
    await srv?.close();
    await store?.close();
  });

  const claims = () => ({ iss: srv.url, aud: RESOURCE.publicData });

  it('accepts the authorization server tokens without asking it (no introspection)', async () => {
    expect((await fetch(`${rs.url}/data`, bearer(await clientCredentialsToken(srv, tpp)))).status).to.equal(200);
  });

  it('accepts a token signed with the authorization server key (the checks below break one thing each)', async () => {
    expect((await fetch(`${rs.url}/data`, bearer(await sign(asKey, claims())))).status).to.equal(200);
  });

  for (const [name, make, description] of [
    ['an expired token', () => sign(asKey, { ...claims(), iat: now() - 900, exp: now() - 60 }), 'expired'],
    ['a JWT that is not typed at+jwt (an ID token, say)', () => sign(asKey, claims(), 'JWT'), 'at+jwt'],
    ['a token of another issuer', () => sign(asKey, { ...claims(), iss: 'https://evil.example' }), 'another authorization server'],
    ['a token of another audience', () => sign(asKey, { ...claims(), aud: RESOURCE.accounts }), 'not meant for this API'],
    ['a token without client_id', () => sign(asKey, { ...claims(), client_id: undefined }), 'client_id'],
    ['a token with a forged signature', async () => `${(await sign(asKey, claims())).slice(0, -8)}AAAAAAAA`, 'signature'],
  ] as const) {
    it(`refuses ${name} with 401 invalid_token`, async () => {
      const challenge = await expectRefusal(await fetch(`${rs.url}/data`, bearer(await make())), 401, 'Bearer', 'invalid_token');
      expect(challenge.error_description).to.contain(description);
    });
  }

  it('refuses a token signed with a key the authorization server does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const challenge = await expectRefusal(
      await fetch(`${rs.url}/data`, bearer(await sign({ kid: 'rogue', key: privateKey, alg: 'ES256' }, claims()))),
      401,
      'Bearer',
      'invalid_token',
    );
    expect(challenge.error_description).to.contain('does not publish');
  });

  it('refuses a symmetric (HS256) token even with a matching kid', async () => {
    const forged = await sign({ kid: asKey.kid, key: new TextEncoder().encode('x'.repeat(32)), alg: 'HS256' }, claims());
    await expectRefusal(await fetch(`${rs.url}/data`, bearer(forged)), 401, 'Bearer', 'invalid_token');
  });
});

describe('resource server middleware: the JWKS cache', () => {
  const issuer = 'https://as.example';
  let keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[];
  let jwksServer: Listening;
  let fetches: number;
  let api: Listening;

  async function newKey() {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = randomUUID();
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  }

  before(async () => {
    keys = [await newKey()];
    fetches = 0;
    const jwksApp = new Koa();
    jwksApp.use((ctx) => {
      fetches += 1;
      ctx.body = { keys: keys.map((k) => k.jwk) };
    });
    jwksServer = await listen(jwksApp);
    const app = new Koa();
    app.use(
      requireToken({
        issuer,
        audience: RESOURCE.publicData,
        scopes: ['public:read'],
        jwksUri: jwksServer.url,
        jwt: { jwksCooldownSeconds: 0 },
      }),
    );
    app.use((ctx) => {
      ctx.body = ctx.state.token;
    });
    api = await listen(app);
  });

  after(async () => {
    await api?.close();
    await jwksServer?.close();
  });

  const tokenFrom = (k: (typeof keys)[number]) =>
    sign({ kid: k.kid, key: k.privateKey, alg: 'ES256' }, { iss: issuer, aud: RESOURCE.publicData });

  it('fetches the key set once and reuses it', async () => {
    for (let i = 0; i < 3; i += 1) expect((await fetch(api.url, bearer(await tokenFrom(keys[0]!)))).status).to.equal(200);
    expect(fetches).to.equal(1);
  });

  it('fetches it again when a token names an unknown kid (key rotation)', async () => {
    keys.push(await newKey());
    expect((await fetch(api.url, bearer(await tokenFrom(keys[1]!)))).status).to.equal(200);
    expect(fetches).to.equal(2);
  });

  it('answers 503 when the key set cannot be fetched', async () => {
    const app = new Koa();
    app.use(requireToken({ issuer, audience: RESOURCE.publicData, jwksUri: `${await deadUrl()}/jwks` }));
    const down = await listen(app);
    try {
      const res = await fetch(down.url, bearer(await tokenFrom(keys[0]!)));
      expect(res.status).to.equal(503);
      expect(await res.json()).to.include({ error: 'temporarily_unavailable' });
    } finally {
      await down.close();
    }
  });

  it('refuses an opaque token when no introspection client is configured', async () => {
    await expectRefusal(await fetch(api.url, bearer('opaque-token-value')), 401, 'Bearer', 'invalid_token');
  });
});
