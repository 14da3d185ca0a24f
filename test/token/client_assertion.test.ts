import { expect } from 'chai';

import { assertionClaims, JWT_BEARER, signingKey, signJwt, type SigningKey } from '../support/forged_jwts.ts';
import { expectOAuthError, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const OTHER_BANK = 'auth.other-bank.example';

describe('private_key_jwt assertions: audience from ISSUER alone, lifetime of minutes (RFC 7523 §3)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;
  let key: SigningKey;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, { TRUST_PROXY: '127.0.0.1' }); // even a trusted proxy cannot name the host
    key = await signingKey();
    tpp = await registerClient(srv, { name: 'Keyed TPP', authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk] } });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const withAssertion = async (aud: string, overrides: Record<string, number> = {}, headers: Record<string, string> = {}) =>
    postForm(
      `${srv.url}/token`,
      {
        grant_type: 'client_credentials',
        scope: 'public:read',
        client_assertion_type: JWT_BEARER,
        client_assertion: await signJwt(assertionClaims(tpp.client_id, aud, overrides), key),
      },
      headers,
    );

  it('refuses an assertion meant for another bank’s token endpoint, whatever Host and X-Forwarded-Host say (RFC 7523 §3 item 3)', async () => {
    const res = await withAssertion(
      `https://${OTHER_BANK}/token`,
      {},
      {
        'x-forwarded-host': OTHER_BANK,
        'x-forwarded-proto': 'https',
      },
    );
    await expectOAuthError(res, 401, 'invalid_client');
  });

  it('accepts its own identity as audience: the issuer and the token endpoint under ISSUER', async () => {
    expect((await withAssertion(srv.config.issuer)).status).to.equal(200);
    expect((await withAssertion(`${srv.config.issuer}/token`)).status).to.equal(200);
  });

  it('refuses an assertion that lives longer than five minutes (exp years ahead), so no replay key is kept for years', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectOAuthError(await withAssertion(srv.config.issuer, { iat: now, exp: now + 10 * 365 * 86_400 }), 401, 'invalid_client');
    await expectOAuthError(await withAssertion(srv.config.issuer, { iat: now, exp: now + 3600 }), 401, 'invalid_client');
    expect((await withAssertion(srv.config.issuer, { iat: now, exp: now + 240 })).status).to.equal(200);
  });
});
