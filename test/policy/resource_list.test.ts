import { expect } from 'chai';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import { assertionClaims, JWT_BEARER, signingKey, signJwt, type SigningKey } from '../support/forged_jwts.ts';
import { pkce } from '../support/flow.ts';
import { basic, expectOAuthError, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const LOANS = 'https://api.valtuus.example/loans';
const PUBLIC = 'https://api.valtuus.example/public-data';
const REDIRECT = 'http://127.0.0.1:9/callback';

// a registry of the test's own: a substantial API that requires an attribute in the authorization request
const apis = parseApiRegistry([
  ...sampleApis,
  {
    id: 'loans',
    resource: LOANS,
    name: 'Loans',
    level: 'substantial',
    scopes: [{ name: 'loans:read', description: 'Read your loans' }],
    tokenFormat: 'opaque',
    accessTokenTtl: 300,
    refreshTokenTtl: 3600,
    extraAttributes: [
      { name: 'loan_account', where: 'authorization', pattern: '^LN[0-9]{8}$', description: 'the loan, as LN and 8 digits' },
    ],
  },
]);

/**
 * RFC 8707 §2: `resource` may repeat, and a request object may carry it as a list. Valtuus
 * serves one API per request, so a list of more than one is `invalid_target` and a list of one
 * is that API with its level and attributes checked, at every endpoint and in every form.
 */
describe('resource indicators as a list (RFC 8707 §2): one API per request, its attributes always checked', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;
  let key: SigningKey;
  let rates: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, {}, { apis });
    key = await signingKey();
    tpp = await registerClient(srv, {
      name: 'Loan Lens',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT],
      scope: 'openid loans:read',
      authMethod: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
    rates = await registerClient(srv, { name: 'Rates Monitor' });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const base = (): Record<string, string> => ({
    client_id: tpp.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid loans:read',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    state: 'xyz',
  });
  const clientAuth = async () => ({
    client_assertion_type: JWT_BEARER,
    client_assertion: await signJwt(assertionClaims(tpp.client_id, srv.config.issuer), key),
  });
  const requestObject = (claims: Record<string, unknown>) =>
    signJwt({ ...base(), ...claims, iss: tpp.client_id, aud: srv.config.issuer, exp: Math.floor(Date.now() / 1000) + 60 }, key, {
      typ: 'oauth-authz-req+jwt',
    });

  /** The authorization endpoint's answer: the error sent back to the client, or undefined when a sign-in began. */
  async function authorizationError(query: URLSearchParams): Promise<string | undefined> {
    const res = await fetch(`${srv.url}/auth?${query}`, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '', srv.url);
    if (location.href.startsWith(REDIRECT)) return location.searchParams.get('error') ?? 'none';
    return undefined;
  }

  const par = async (form: URLSearchParams) => {
    for (const [k, v] of Object.entries(await clientAuth())) form.set(k, v);
    return fetch(`${srv.url}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  };

  describe('authorization endpoint', () => {
    it('query: two resources are refused with invalid_target, even without the attribute one of them requires', async () => {
      const query = new URLSearchParams(base());
      query.append('resource', LOANS);
      query.append('resource', PUBLIC);
      expect(await authorizationError(query)).to.equal('invalid_target');
    });

    it('query: the same resource twice is refused with invalid_target', async () => {
      const query = new URLSearchParams(base());
      query.append('resource', LOANS);
      query.append('resource', LOANS);
      expect(await authorizationError(query)).to.equal('invalid_target');
    });

    it('positive control: one resource with its attribute starts a sign-in', async () => {
      const query = new URLSearchParams({ ...base(), resource: LOANS, loan_account: 'LN12345678' });
      expect(await authorizationError(query)).to.equal(undefined);
    });

    it('request object: a list of two resources is refused with invalid_target', async () => {
      const query = new URLSearchParams({
        client_id: tpp.client_id,
        request: await requestObject({ resource: [LOANS, PUBLIC] }),
      });
      expect(await authorizationError(query)).to.equal('invalid_target');
    });

    it('request object: a list of one resource still needs its attribute (invalid_request)', async () => {
      const query = new URLSearchParams({ client_id: tpp.client_id, request: await requestObject({ resource: [LOANS] }) });
      expect(await authorizationError(query)).to.equal('invalid_request');
    });
  });

  describe('pushed authorization request endpoint (RFC 9126)', () => {
    it('form body: two resources are refused with 400 invalid_target', async () => {
      const form = new URLSearchParams(base());
      form.append('resource', LOANS);
      form.append('resource', PUBLIC);
      await expectOAuthError(await par(form), 400, 'invalid_target');
    });

    it('form body: one resource without its attribute is refused with 400 invalid_request', async () => {
      await expectOAuthError(await par(new URLSearchParams({ ...base(), resource: LOANS })), 400, 'invalid_request');
    });

    it('request object: a list of two resources is refused with 400 invalid_target', async () => {
      const form = new URLSearchParams({ client_id: tpp.client_id, request: await requestObject({ resource: [LOANS, PUBLIC] }) });
      await expectOAuthError(await par(form), 400, 'invalid_target');
    });

    it('request object: a list of one resource with a malformed attribute is refused with 400 invalid_request', async () => {
      const form = new URLSearchParams({
        client_id: tpp.client_id,
        request: await requestObject({ resource: [LOANS], loan_account: 'not-a-loan' }),
      });
      await expectOAuthError(await par(form), 400, 'invalid_request');
    });
  });

  describe('token endpoint', () => {
    it('form body: two resources are refused with 400 invalid_target', async () => {
      const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'public:read' });
      form.append('resource', PUBLIC);
      form.append('resource', PUBLIC);
      const res = await fetch(`${srv.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rates.client_id, rates.client_secret) },
        body: form,
      });
      await expectOAuthError(res, 400, 'invalid_target');
    });
  });
});
