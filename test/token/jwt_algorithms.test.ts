import { randomUUID } from 'node:crypto';

import { expect } from 'chai';

import { pkce } from '../support/flow.ts';
import {
  basic,
  expectOAuthError,
  json,
  postForm,
  registerClient,
  type RegisteredClient,
  storeClientUnchecked,
  useServerOnRedis,
} from '../support/server.ts';
import { JWT_BEARER, assertionClaims, hs256Jwt, signJwt, signingKey, unsecuredJwt, type SigningKey } from '../support/forged_jwts.ts';
import { authorizeUrl, getManual, responseParams } from '../support/code_grant.ts';

const REDIRECT = 'https://tpp.example.com/cb';

describe('RFC 8725 §3.1 / RFC 7523 §3 JWTs: only the registered asymmetric algorithms, never none or HS*', () => {
  const fx = useServerOnRedis({ RATE_LIMIT_ADDRESS_AUTH_FAILURES: '100000', RATE_LIMIT_CLIENT_AUTH_FAILURES: '100000' });
  let key: SigningKey;
  let keyed: RegisteredClient;
  let secretClient: RegisteredClient;
  let tokenEndpoint: string;

  before(async () => {
    key = await signingKey('ES256');
    keyed = await registerClient(fx.srv, {
      name: 'Keyed TPP',
      grantTypes: ['client_credentials', 'authorization_code'],
      redirectUris: [REDIRECT],
      scope: 'openid public:read',
      authMethod: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
    secretClient = await registerClient(fx.srv, { name: 'Secret TPP', grantTypes: ['client_credentials'] });
    tokenEndpoint = `${fx.srv.url}/token`;
  });

  const withAssertion = (assertion: string, clientId?: string) =>
    postForm(tokenEndpoint, {
      grant_type: 'client_credentials',
      scope: 'public:read',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
      ...(clientId ? { client_id: clientId } : {}),
    });

  describe('RFC 7523 §3 private_key_jwt client assertions', () => {
    it('positive control: an ES256 assertion signed with the registered key is accepted', async () => {
      const res = await withAssertion(await signJwt(assertionClaims(keyed.client_id, tokenEndpoint), key));
      expect(res.status, await res.clone().text()).to.equal(200);
    });

    it('RFC 8725 §3.1 refuses an assertion with alg none', async () => {
      await expectOAuthError(await withAssertion(unsecuredJwt(assertionClaims(keyed.client_id, tokenEndpoint))), 401, 'invalid_client');
    });

    it('RFC 8725 §3.1 refuses an assertion with alg none written in other cases (None, NONE)', async () => {
      for (const alg of ['None', 'NONE', 'nOnE']) {
        const res = await withAssertion(unsecuredJwt(assertionClaims(keyed.client_id, tokenEndpoint), { alg }));
        expect(res.status, alg).to.equal(401);
        expect((await json(res)).error).to.equal('invalid_client');
      }
    });

    it('RFC 8725 §2.1 refuses HS256 keyed with the public key (algorithm confusion)', async () => {
      const assertion = await hs256Jwt(assertionClaims(keyed.client_id, tokenEndpoint), JSON.stringify(key.publicJwk));
      await expectOAuthError(await withAssertion(assertion), 401, 'invalid_client');
    });

    it('RFC 8725 §3.1 refuses an assertion signed by a key it carries itself (embedded jwk header)', async () => {
      const attacker = await signingKey('ES256');
      const assertion = await signJwt(assertionClaims(keyed.client_id, tokenEndpoint), attacker, { jwk: attacker.publicJwk });
      await expectOAuthError(await withAssertion(assertion), 401, 'invalid_client');
    });

    it('refuses an assertion signed by another key', async () => {
      const attacker = await signingKey('ES256');
      await expectOAuthError(
        await withAssertion(await signJwt(assertionClaims(keyed.client_id, tokenEndpoint), attacker)),
        401,
        'invalid_client',
      );
    });

    it('RFC 7523 §3 item 7 refuses a replayed assertion (same jti)', async () => {
      const assertion = await signJwt(assertionClaims(keyed.client_id, tokenEndpoint), key);
      expect((await withAssertion(assertion)).status).to.equal(200);
      await expectOAuthError(await withAssertion(assertion), 401, 'invalid_client');
    });

    const now = () => Math.floor(Date.now() / 1000);
    const broken: Record<string, () => Record<string, unknown>> = {
      'another audience': () => ({ aud: 'https://elsewhere.example/token' }),
      'an expired exp': () => ({ exp: now() - 120, iat: now() - 300 }),
      'no exp': () => ({ exp: undefined }),
      'another iss': () => ({ iss: secretClient.client_id }),
      'another sub': () => ({ sub: secretClient.client_id }),
      'no jti': () => ({ jti: undefined }),
    };
    for (const [label, overrides] of Object.entries(broken)) {
      it(`RFC 7523 §3 refuses an assertion with ${label}`, async () => {
        const claims = assertionClaims(keyed.client_id, tokenEndpoint, overrides());
        for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
        await expectOAuthError(await withAssertion(await signJwt(claims, key)), 401, 'invalid_client');
      });
    }

    it('RFC 6749 §2.3 a private_key_jwt client cannot authenticate with a secret instead', async () => {
      const res = await postForm(
        tokenEndpoint,
        { grant_type: 'client_credentials' },
        { authorization: basic(keyed.client_id, 'anything-at-all') },
      );
      await expectOAuthError(res, 401, 'invalid_client');
    });
  });

  describe('RFC 9700 §2.5 client_secret_jwt and HS256 are refused (secrets are stored only as digests)', () => {
    it('refuses an HS256 assertion signed with a client_secret_basic client’s own secret', async () => {
      const assertion = await hs256Jwt(assertionClaims(secretClient.client_id, tokenEndpoint), secretClient.client_secret);
      await expectOAuthError(await withAssertion(assertion), 401, 'invalid_client');
    });

    it('refuses every request of a client stored with token_endpoint_auth_method client_secret_jwt', async () => {
      const stored = await storeClientUnchecked(fx.srv, {
        token_endpoint_auth_method: 'client_secret_jwt',
        grant_types: ['client_credentials'],
        scope: 'public:read',
      });
      const assertion = await hs256Jwt(assertionClaims(stored.client_id, tokenEndpoint), stored.client_secret);
      const res = await withAssertion(assertion, stored.client_id);
      expect(res.status).to.equal(400);
      const body = await json(res);
      // a stored client that the provider cannot load is refused as a whole (invalid_client_metadata)
      expect(body.error).to.equal('invalid_client_metadata');
      expect(body).not.to.have.property('access_token');
      const viaBasic = await postForm(
        tokenEndpoint,
        { grant_type: 'client_credentials' },
        { authorization: basic(stored.client_id, stored.client_secret) },
      );
      expect(viaBasic.status).to.equal(400);
    });

    it('discovery lists no symmetric algorithm, and none only for request objects (OIDC Discovery §3)', async () => {
      const meta = await json(await fetch(`${fx.srv.url}/.well-known/openid-configuration`));
      expect(meta.token_endpoint_auth_methods_supported).not.to.include('client_secret_jwt');
      for (const field of [
        'token_endpoint_auth_signing_alg_values_supported',
        'request_object_signing_alg_values_supported',
        'id_token_signing_alg_values_supported',
        'dpop_signing_alg_values_supported',
      ]) {
        const algs = (meta[field] ?? []) as string[];
        expect(
          algs.filter((a) => (a === 'none' && field !== 'request_object_signing_alg_values_supported') || a.startsWith('HS')),
          field,
        ).to.deep.equal([]);
      }
    });
  });

  describe('OIDC Core §6.1 / RFC 9101 §6.1 request objects', () => {
    const requestParams = () => ({
      client_id: keyed.client_id,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'public:read',
      state: 'st',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const requestClaims = () => ({
      ...requestParams(),
      iss: keyed.client_id,
      aud: fx.srv.url,
      jti: randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 60,
    });

    async function expectRefused(res: Response): Promise<void> {
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!, fx.srv.url);
        expect(location.pathname, 'must not reach the login page').not.to.match(/^\/interaction\//);
        expect(responseParams(location).get('error')).to.match(/^invalid_request/);
      } else {
        expect(res.status).to.equal(400);
      }
    }

    it('positive control: a request object signed with the client’s key starts the login', async () => {
      const request = await signJwt(requestClaims(), key, { typ: 'oauth-authz-req+jwt' });
      const res = await getManual(authorizeUrl(fx.srv.url, { client_id: keyed.client_id, request }));
      expect(res.status, await res.clone().text()).to.equal(303);
      expect(new URL(res.headers.get('location')!, fx.srv.url).pathname).to.match(/^\/interaction\//);
    });

    it('OIDC Core §6.1: an unsigned (alg none) request object for a low API stands for plain parameters, never for trusted ones', async () => {
      const res = await getManual(authorizeUrl(fx.srv.url, { client_id: keyed.client_id, request: unsecuredJwt(requestClaims()) }));
      expect(res.status, await res.clone().text()).to.equal(303);
      expect(new URL(res.headers.get('location')!, fx.srv.url).pathname).to.match(/^\/interaction\//);
    });

    it('refuses an HS256 request object', async () => {
      const request = await hs256Jwt(requestClaims(), JSON.stringify(key.publicJwk));
      await expectRefused(await getManual(authorizeUrl(fx.srv.url, { client_id: keyed.client_id, request })));
    });

    it('refuses a request object signed by another key', async () => {
      const request = await signJwt(requestClaims(), await signingKey('ES256'));
      await expectRefused(await getManual(authorizeUrl(fx.srv.url, { client_id: keyed.client_id, request })));
    });

    it('RFC 9126 §3 refuses an unsigned request object at the PAR endpoint', async () => {
      const assertion = await signJwt(assertionClaims(keyed.client_id, fx.srv.url), key);
      const res = await postForm(`${fx.srv.url}/request`, {
        client_id: keyed.client_id,
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion,
        request: unsecuredJwt(requestClaims()),
      });
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.match(/^invalid_request/);
    });

    it('OIDC Core §3.1.2.1 refuses an unsigned id_token_hint', async () => {
      const hint = unsecuredJwt({
        iss: fx.srv.url,
        sub: 'someone',
        aud: keyed.client_id,
        exp: Math.floor(Date.now() / 1000) + 60,
        iat: Math.floor(Date.now() / 1000),
      });
      const res = await getManual(authorizeUrl(fx.srv.url, { ...requestParams(), scope: 'openid public:read', id_token_hint: hint }));
      await expectRefused(res);
    });
  });

  describe('RFC 9449 §4.3 DPoP proofs', () => {
    const proofClaims = (nonce?: string) => ({
      htm: 'POST',
      htu: tokenEndpoint,
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
      ...(nonce ? { nonce } : {}),
    });

    const tokenWithProof = (proof: string) =>
      postForm(
        tokenEndpoint,
        { grant_type: 'client_credentials', scope: 'public:read' },
        { authorization: basic(secretClient.client_id, secretClient.client_secret), dpop: proof },
      );

    /** A valid proof, answered once with use_dpop_nonce if the server wants a nonce; returns the nonce. */
    async function serverNonce(): Promise<string | undefined> {
      const dpopKey = await signingKey('ES256');
      const res = await tokenWithProof(await signJwt(proofClaims(), dpopKey, { typ: 'dpop+jwt', jwk: dpopKey.publicJwk }));
      return res.headers.get('dpop-nonce') ?? undefined;
    }

    it('positive control: a valid ES256 proof gets a DPoP-bound token', async () => {
      const nonce = await serverNonce();
      const dpopKey = await signingKey('ES256');
      const res = await tokenWithProof(await signJwt(proofClaims(nonce), dpopKey, { typ: 'dpop+jwt', jwk: dpopKey.publicJwk }));
      const body = await json(res);
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(body.token_type).to.equal('DPoP');
    });

    it('RFC 8725 §3.1 refuses a proof with alg none', async () => {
      const nonce = await serverNonce();
      const dpopKey = await signingKey('ES256');
      const res = await tokenWithProof(unsecuredJwt(proofClaims(nonce), { typ: 'dpop+jwt', jwk: dpopKey.publicJwk }));
      await expectOAuthError(res, 400, 'invalid_dpop_proof');
    });

    it('refuses an HS256 proof', async () => {
      const nonce = await serverNonce();
      const res = await tokenWithProof(
        await hs256Jwt(proofClaims(nonce), 'shared-secret-shared-secret-0123', { typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } }),
      );
      await expectOAuthError(res, 400, 'invalid_dpop_proof');
    });

    it('refuses a proof whose embedded key is private (RFC 9449 §4.2 jwk must be public)', async () => {
      const nonce = await serverNonce();
      const dpopKey = await signingKey('ES256');
      const { exportJWK } = await import('jose');
      const privateJwk = await exportJWK(dpopKey.privateKey);
      const res = await tokenWithProof(await signJwt(proofClaims(nonce), dpopKey, { typ: 'dpop+jwt', jwk: privateJwk }));
      await expectOAuthError(res, 400, 'invalid_dpop_proof');
    });
  });
});
