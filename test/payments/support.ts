import type { webcrypto } from 'node:crypto';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';

import { REDIRECT_URI } from '../support/code_grant.ts';
import type { TestServer } from '../support/server.ts';

export const PAYMENTS = 'https://api.valtuus.example/payments';
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** A payment as a TPP sends it (RFC 9396 §2): every field of payment_initiation. */
export const PAYMENT = Object.freeze({
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '1234.50' },
  creditorName: 'Kahvila Aurinko Oy',
  creditorAccount: { iban: 'DE89370400440532013000' },
  debtorAccount: { iban: 'FI2112345600000785' },
  remittanceInformation: 'Invoice 2026-118',
  requestedExecutionDate: '2099-12-24',
});

export type Payment = Record<string, unknown>;

export interface PaymentsTpp {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  privateKey: webcrypto.CryptoKey;
}

/** A TPP of the Payments API: private_key_jwt with its own key, as the high level requires. */
export async function registerPaymentsTpp(srv: TestServer, redirectUri = REDIRECT_URI, name = 'Pay Later Ltd'): Promise<PaymentsTpp> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'tpp-key-1', use: 'sig', alg: 'ES256' };
  const created = await srv.clients.create({
    name,
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [redirectUri],
    scope: 'openid payments:write',
    authMethod: 'private_key_jwt',
    jwks: { keys: [jwk] },
  });
  const client: oauth.Client = { client_id: String(created.client_id), token_endpoint_auth_signing_alg: 'ES256' };
  return { client, auth: oauth.PrivateKeyJwt({ key: privateKey, kid: 'tpp-key-1' }), privateKey };
}

export async function discover(srv: TestServer): Promise<oauth.AuthorizationServer> {
  return oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
}

/** The parameters of a payment authorization: PKCE, state and the details as JSON. */
export async function paymentParams(details: unknown[], redirectUri = REDIRECT_URI) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const params = new URLSearchParams({
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'payments:write',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    authorization_details: JSON.stringify(details),
  });
  return { params, verifier, state };
}

/** Once more with the server's DPoP nonce when it asks for one (RFC 9449 §8). */
export async function withNonceRetry(send: () => Promise<Response>): Promise<Response> {
  const res = await send();
  if (res.status === 400 && ((await res.clone().json()) as { error?: string }).error === 'use_dpop_nonce') return send();
  return res;
}

/** A private_key_jwt client assertion for endpoints oauth4webapi has no helper for (introspection). */
export async function clientAssertion(tpp: PaymentsTpp, issuer: string): Promise<string> {
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

export async function introspect(srv: TestServer, tpp: PaymentsTpp, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${srv.url}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token,
      client_id: tpp.client.client_id,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(tpp, srv.url),
    }),
  });
  return (await res.json()) as Record<string, unknown>;
}
