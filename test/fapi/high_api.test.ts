import type { webcrypto } from 'node:crypto';

import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';

import { Flow, createCustomer, type TestCustomer } from '../support/flow.ts';
import { REDIRECT_URI } from '../support/code_grant.ts';
import { json, postForm, type TestServer, useServerOnRedis } from '../support/server.ts';
import { PAYMENT, introspect, withNonceRetry, type Payment } from '../payments/support.ts';

const PAYMENTS = 'https://api.valtuus.example/payments';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

interface HighClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  privateKey: webcrypto.CryptoKey;
}

/** A TPP of the Payments API: private_key_jwt with its own key, as the level requires. */
async function registerHighClient(srv: TestServer): Promise<HighClient> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'tpp-key-1', use: 'sig', alg: 'ES256' };
  const created = await srv.clients.create({
    name: 'Pay Later Ltd',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI],
    scope: 'openid payments:write',
    authMethod: 'private_key_jwt',
    jwks: { keys: [jwk] },
  });
  const client: oauth.Client = { client_id: String(created.client_id), token_endpoint_auth_signing_alg: 'ES256' };
  return { client, auth: oauth.PrivateKeyJwt({ key: privateKey, kid: 'tpp-key-1' }), privateKey };
}

describe('high APIs: FAPI 2.0 Security Profile (PAR, private_key_jwt, DPoP) as seen by oauth4webapi', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let as: oauth.AuthorizationServer;
  let tpp: HighClient;

  before(async () => {
    ({ srv } = fx);
    as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
    tpp = await registerHighClient(srv);
  });

  function parRequest(dpop: oauth.DPoPHandle, params: URLSearchParams): Promise<Response> {
    return oauth.pushedAuthorizationRequest(as, tpp.client, tpp.auth, params, { DPoP: dpop, ...insecure });
  }

  async function pushed(dpop: oauth.DPoPHandle, verifier: string, state: string, payment?: Payment): Promise<string> {
    const params = new URLSearchParams({
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid payments:write',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(payment ? { authorization_details: JSON.stringify([payment]) } : {}),
    });
    const res = await parRequest(dpop, params);
    const par = await oauth.processPushedAuthorizationResponse(as, tpp.client, res);
    return par.request_uri;
  }

  /** PAR, then the customer's login, one-time code and consent in the pages, then the code exchange with DPoP. */
  async function authorizeWithPar(customer: TestCustomer, dpop: oauth.DPoPHandle, payment?: Payment) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const requestUri = await pushed(dpop, verifier, state, payment);
    const flow = await Flow.start(srv.url, {
      client_id: tpp.client.client_id,
      request_uri: requestUri,
      redirect_uri: REDIRECT_URI,
      scope: 'openid payments:write',
      state,
    });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    // every payment authorization shows its payment to the customer, even after an earlier consent
    expect(flow.callback, 'the consent page').to.equal(undefined);
    if (payment) expect(flow.html).to.contain(String(payment.creditorName));
    await flow.consent('allow');
    const callback = oauth.validateAuthResponse(as, tpp.client, flow.callback!, state);
    return { callback, verifier };
  }

  it('discovery shows PAR, private_key_jwt and DPoP', async () => {
    const meta = await json(await fetch(`${srv.url}/.well-known/oauth-authorization-server`));
    expect(meta.pushed_authorization_request_endpoint).to.equal(`${srv.url}/request`);
    expect(meta.token_endpoint_auth_methods_supported).to.include('private_key_jwt');
    expect(meta.dpop_signing_alg_values_supported).to.include('ES256');
  });

  it('refuses an authorization request without PAR', async () => {
    const flow = await Flow.start(srv.url, { client_id: tpp.client.client_id, redirect_uri: REDIRECT_URI, scope: 'openid payments:write' });
    const error = flow.callback?.searchParams.get('error') ?? flow.page?.html;
    expect(error).to.match(/invalid_request/);
    expect(flow.callback?.searchParams.get('code') ?? null).to.equal(null);
  });

  it('refuses a client secret where the level requires private_key_jwt', async () => {
    const res = await postForm(`${srv.url}/request`, {
      client_id: tpp.client.client_id,
      client_secret: 'anything',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'payments:write',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    expect(res.status).to.equal(401);
    expect((await json(res)).error).to.equal('invalid_client');
  });

  it('issues DPoP-bound tokens with the promised fields, and refreshes them without rotation', async () => {
    const customer = await createCustomer(srv.deps);
    const dpop = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const { callback, verifier } = await authorizeWithPar(customer, dpop);

    let res = await oauth.authorizationCodeGrantRequest(as, tpp.client, tpp.auth, callback, REDIRECT_URI, verifier, {
      DPoP: dpop,
      ...insecure,
    });
    let tokens: oauth.TokenEndpointResponse;
    try {
      tokens = await oauth.processAuthorizationCodeResponse(as, tpp.client, res);
    } catch (err) {
      if (!oauth.isDPoPNonceError(err)) throw err;
      res = await oauth.authorizationCodeGrantRequest(as, tpp.client, tpp.auth, callback, REDIRECT_URI, verifier, {
        DPoP: dpop,
        ...insecure,
      });
      tokens = await oauth.processAuthorizationCodeResponse(as, tpp.client, res);
    }
    expect(tokens.token_type).to.equal('dpop');
    expect(tokens.status).to.equal('approved');
    expect(tokens.refresh_count).to.equal(0);
    expect(tokens.refresh_token_expires_in).to.be.a('number');
    expect(tokens.refresh_token_issued_at).to.be.a('number');

    const introspection = await json(
      await postForm(`${srv.url}/token/introspection`, {
        token: tokens.access_token,
        client_id: tpp.client.client_id,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await clientAssertion(tpp, srv.url),
      }),
    );
    expect(introspection).to.include({ active: true, aud: PAYMENTS, token_type: 'DPoP' });
    expect(introspection.cnf?.jkt).to.be.a('string');

    const first = await oauth.processRefreshTokenResponse(
      as,
      tpp.client,
      await oauth.refreshTokenGrantRequest(as, tpp.client, tpp.auth, tokens.refresh_token!, { DPoP: dpop, ...insecure }),
    );
    expect(first.refresh_token).to.equal(tokens.refresh_token); // sender-constrained: not rotated
    expect(first.refresh_count).to.equal(1);
    const second = await oauth.processRefreshTokenResponse(
      as,
      tpp.client,
      await oauth.refreshTokenGrantRequest(as, tpp.client, tpp.auth, tokens.refresh_token!, { DPoP: dpop, ...insecure }),
    );
    expect(second.refresh_count).to.equal(2);
    expect(second.token_type).to.equal('dpop');

    // the refresh token is bound to the DPoP key: another key, or none, is refused
    const thief = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.refreshTokenGrantRequest(as, tpp.client, tpp.auth, tokens.refresh_token!, { DPoP: thief, ...insecure });
    expect(stolen.status).to.equal(400);
    expect((await json(stolen)).error).to.equal('invalid_grant');
  });

  it('asks the customer again for every payment (RFC 9396 §2), and keeps each token to its own details', async () => {
    const customer = await createCustomer(srv.deps);
    const dpop = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const tokensFor = async (payment: Payment) => {
      const { callback, verifier } = await authorizeWithPar(customer, dpop, payment);
      const exchange = () =>
        oauth.authorizationCodeGrantRequest(as, tpp.client, tpp.auth, callback, REDIRECT_URI, verifier, { DPoP: dpop, ...insecure });
      return oauth.processAuthorizationCodeResponse(as, tpp.client, await withNonceRetry(exchange));
    };
    const second = { ...PAYMENT, instructedAmount: { currency: 'EUR', amount: '7.00' }, creditorName: 'Toinen Oy' };
    const first = await tokensFor(PAYMENT);
    const other = await tokensFor(second);
    expect(first).not.to.have.property('refresh_token');
    expect((await introspect(srv, tpp, first.access_token)).authorization_details).to.deep.equal([PAYMENT]);
    expect((await introspect(srv, tpp, other.access_token)).authorization_details).to.deep.equal([second]);
  });

  it('accepts a signed request object (JAR, RFC 9101) at the PAR endpoint', async () => {
    const dpop = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const params = new URLSearchParams({
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'payments:write',
      authorization_details: JSON.stringify([PAYMENT]),
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    });
    const request = await oauth.issueRequestObject(as, tpp.client, params, { key: tpp.privateKey, kid: 'tpp-key-1' });
    const res = await parRequest(dpop, new URLSearchParams({ request }));
    const par = await oauth.processPushedAuthorizationResponse(as, tpp.client, res);
    expect(par.request_uri).to.match(/^urn:ietf:params:oauth:request_uri:/);
  });

  it('refuses the code exchange without a DPoP proof', async () => {
    const customer = await createCustomer(srv.deps);
    const dpop = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const { callback, verifier } = await authorizeWithPar(customer, dpop);
    const res = await oauth.authorizationCodeGrantRequest(as, tpp.client, tpp.auth, callback, REDIRECT_URI, verifier, insecure);
    expect(res.status).to.equal(400);
    const body = await json(res);
    expect(body.error).to.equal('invalid_grant');
    expect(body).not.to.have.property('access_token');
  });
});

/** A private_key_jwt client assertion for endpoints oauth4webapi has no helper for. */
async function clientAssertion(tpp: HighClient, issuer: string): Promise<string> {
  const { SignJWT } = await import('jose');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'tpp-key-1' })
    .setIssuer(tpp.client.client_id)
    .setSubject(tpp.client.client_id)
    .setAudience(issuer)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(tpp.privateKey);
}
