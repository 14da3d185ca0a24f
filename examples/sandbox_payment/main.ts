/**
 * A TPP's payment against the sandbox, as the banner of `npm start` prints it: PAR with
 * authorization_details (RFC 9396), private_key_jwt and DPoP (FAPI 2.0) through oauth4webapi;
 * the customer approves the payment in a browser; the sample API pays it once.
 */
import { createServer } from 'node:http';

import { importJWK, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';

import { submitPayment } from './submit.ts';

export interface PaymentScriptConfig {
  issuer: string;
  apiUrl: string;
  clientId: string;
  privateJwk: JWK;
  redirectUri: string;
}

/** The script's only reader of the environment; every problem named at once. */
export function readPaymentScriptConfig(env: NodeJS.ProcessEnv): PaymentScriptConfig {
  const problems: string[] = [];
  let privateJwk: JWK = {};
  try {
    privateJwk = JSON.parse(env.PAYMENT_CLIENT_KEY ?? '') as JWK;
  } catch {
    problems.push('PAYMENT_CLIENT_KEY must be the private JWK the sandbox banner prints');
  }
  if (!env.PAYMENT_CLIENT_ID) problems.push('PAYMENT_CLIENT_ID is required (the sandbox banner prints it)');
  if (problems.length) throw new Error(problems.join('; '));
  return {
    issuer: (env.ISSUER || 'http://localhost:3000').replace(/\/$/, ''), // npm start's default issuer
    apiUrl: (env.API_URL || 'http://localhost:4000').replace(/\/$/, ''), // npm run start:api's default port
    clientId: env.PAYMENT_CLIENT_ID!,
    privateJwk,
    redirectUri: env.PAYMENT_REDIRECT_URI || 'http://127.0.0.1:8081/callback',
  };
}

// the sandbox runs on plain http on this machine
const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The payment the demo customer is asked to approve (README "Payments"). */
export const DEMO_PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '42.00' },
  creditorName: 'Kahvila Aurinko Oy',
  creditorAccount: { iban: 'FI2112345600000785' },
  remittanceInformation: 'Sandbox order 1',
};

/** The authorization code, when the browser comes back to the redirect URI. */
function waitForCallback(redirectUri: string): Promise<URL> {
  const { port, hostname, pathname } = new URL(redirectUri);
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== pathname) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Back at the payments app: see the terminal.\n');
      server.close();
      resolve(url);
    });
    server.listen(Number(port), hostname);
  });
}

async function retryOnDpopNonce(send: () => Promise<Response>): Promise<Response> {
  const res = await send();
  if (res.status === 400 && ((await res.clone().json()) as { error?: string }).error === 'use_dpop_nonce') return send();
  return res;
}

export async function runPayment(config: PaymentScriptConfig, say: (line: string) => void): Promise<void> {
  const issuer = new URL(config.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  const client: oauth.Client = { client_id: config.clientId, token_endpoint_auth_signing_alg: 'ES256' };
  const key = await importJWK(config.privateJwk, 'ES256');
  if (key instanceof Uint8Array) throw new Error('PAYMENT_CLIENT_KEY must be a private EC key');
  const auth = oauth.PrivateKeyJwt({ key, ...(config.privateJwk.kid ? { kid: config.privateJwk.kid } : {}) });
  const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const params = new URLSearchParams({
    response_type: 'code',
    redirect_uri: config.redirectUri,
    scope: 'payments:write',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    authorization_details: JSON.stringify([DEMO_PAYMENT]),
  });
  const par = await oauth.processPushedAuthorizationResponse(
    as,
    client,
    await oauth.pushedAuthorizationRequest(as, client, auth, params, { DPoP: dpop, ...insecure }),
  );
  const callback = waitForCallback(config.redirectUri);
  say(`open in a browser and approve the payment as the demo customer:`);
  say(`  ${config.issuer}/auth?${new URLSearchParams({ client_id: config.clientId, request_uri: par.request_uri })}`);

  const response = oauth.validateAuthResponse(as, client, await callback, state);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await retryOnDpopNonce(() =>
      oauth.authorizationCodeGrantRequest(as, client, auth, response, config.redirectUri, verifier, { DPoP: dpop, ...insecure }),
    ),
  );
  say(`token: ${tokens.token_type}, ${tokens.expires_in} s, authorization_details ${JSON.stringify(tokens.authorization_details)}`);

  const submit = (body: object): Promise<Response> => submitPayment(tokens.access_token, config.apiUrl, dpop, body);
  const payment = {
    amount: DEMO_PAYMENT.instructedAmount.amount,
    currency: DEMO_PAYMENT.instructedAmount.currency,
    creditor_name: DEMO_PAYMENT.creditorName,
    creditor_iban: DEMO_PAYMENT.creditorAccount.iban,
  };
  for (const [what, body] of [
    ['a changed amount', { ...payment, amount: '4200.00' }],
    ['the approved payment', payment],
    ['the approved payment again', payment],
  ] as const) {
    const res = await submit(body);
    say(`POST ${config.apiUrl}/payments, ${what}: ${res.status} ${await res.text()}`);
  }
}

if (import.meta.main) {
  try {
    await runPayment(readPaymentScriptConfig(process.env), (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`payment: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
