import { createHash, randomBytes } from 'node:crypto';

import type { Config } from '../config/index.ts';
import type { SandboxCustomer } from './accounts/sandbox.ts';
import { cibaBannerLines, seedCibaClient, type SandboxCibaClient } from './approval/sandbox.ts';
import type { ClientManager } from './clients/manage.ts';
import { DEMO_CALLBACK_PATH, DEMO_CODE_PATH } from './sandbox_demo.ts';
import { sampleApiBannerLines, seedSampleApiClient, type SampleApiCredentials } from '../examples/sample_api/seed.ts';
import { paymentBannerLines, seedPaymentsClient, type PaymentsClientCredentials } from '../examples/sandbox_payment/seed.ts';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  /** the demo web application (authorization code + refresh token for a customer) */
  web?: { clientId: string; clientSecret: string; redirectUri: string; scope: string; pkce: { verifier: string; challenge: string } };
  /** the sample Service API's introspection client (npm run start:api) */
  api?: SampleApiCredentials;
  /** the demo CIBA client (decoupled approval on /approve) */
  ciba?: SandboxCibaClient;
  /** the demo payments app (PAR, private_key_jwt, DPoP, authorization_details) */
  payments?: PaymentsClientCredentials;
}

/** The demo web app's redirect URI: the sandbox serves that page itself (sandbox_demo.ts). */
export function sandboxWebRedirectUri(issuer: string): string {
  return `${issuer}${DEMO_CALLBACK_PATH}`;
}
const SANDBOX_WEB_SCOPE = 'openid accounts:read accounts:write';

/** Seeds the demo TPP that the sandbox banner tells a newcomer to try. */
export async function seedSandbox(clients: ClientManager, issuer = 'http://localhost:3000'): Promise<SandboxCredentials> {
  const redirectUri = sandboxWebRedirectUri(issuer);
  const created = await clients.create({
    clientId: 'demo-tpp',
    name: 'Demo TPP',
    grantTypes: ['client_credentials'],
    scope: 'public:read',
    authMethod: 'client_secret_basic',
  });
  const web = await clients.create({
    clientId: 'demo-web',
    name: 'Demo Budget App',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [redirectUri],
    scope: SANDBOX_WEB_SCOPE,
    authMethod: 'client_secret_basic',
  });
  const api = await seedSampleApiClient(clients);
  const ciba = await seedCibaClient(clients);
  const payments = await seedPaymentsClient(clients);
  return {
    ciba,
    clientId: String(created.client_id),
    clientSecret: String(created.client_secret),
    web: {
      clientId: String(web.client_id),
      clientSecret: String(web.client_secret),
      redirectUri,
      scope: SANDBOX_WEB_SCOPE,
      pkce: pkcePair(),
    },
    api,
    payments,
  };
}

/** A PKCE pair for the printed example, new at every start (RFC 7636 §4.1, §4.2). */
function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization request a newcomer can open in a browser. */
function sandboxAuthorizationUrl(config: Config, web: NonNullable<SandboxCredentials['web']>, challenge: string): string {
  const params = new URLSearchParams({
    client_id: web.clientId,
    response_type: 'code',
    redirect_uri: web.redirectUri,
    scope: web.scope,
    state: 'demo',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${config.issuer}/auth?${params}`;
}

export function sandboxBanner(config: Config, creds: SandboxCredentials, customer?: SandboxCustomer): string {
  const clientCredentialsCurl = `curl -s -u '${creds.clientId}:${creds.clientSecret}' -d grant_type=client_credentials -d scope=public:read ${config.issuer}/token`;
  const customerLines = customer
    ? [
        `  demo customer: username=${customer.username}`,
        `                 password=${customer.password}`,
        `                 TOTP secret=${customer.totpSecret} (add it to an authenticator app)`,
        `                 otpauth URI=${customer.totpUri}`,
        `                 current code: curl -s ${config.issuer}${DEMO_CODE_PATH}   (sandbox only)`,
      ]
    : [];
  const webLines = creds.web
    ? [
        `  demo web app:  client_id=${creds.web.clientId}`,
        `                 client_secret=${creds.web.clientSecret}`,
        `                 redirect_uri=${creds.web.redirectUri}`,
        "  log in as the demo customer: open this in a browser; the demo app's page at the redirect URI shows the code and the token response",
        `    ${sandboxAuthorizationUrl(config, creds.web, creds.web.pkce.challenge)}`,
        `  or exchange the code yourself: curl -s -u '${creds.web.clientId}:${creds.web.clientSecret}' -d grant_type=authorization_code -d code=CODE -d redirect_uri=${creds.web.redirectUri} -d code_verifier=${creds.web.pkce.verifier} ${config.issuer}/token`,
      ]
    : [];
  return [
    '',
    'Valtuus sandbox: in-memory store, demo data only (set REDIS_URL to keep state).',
    `  issuer:        ${config.issuer}`,
    `  discovery:     ${config.issuer}/.well-known/openid-configuration`,
    `  demo client:   client_id=${creds.clientId}`,
    `                 client_secret=${creds.clientSecret}`,
    ...customerLines,
    '  try:',
    `    ${clientCredentialsCurl}`,
    ...webLines,
    ...(creds.ciba && customer ? cibaBannerLines(config.issuer, creds.ciba, customer.username) : []),
    ...(creds.api ? sampleApiBannerLines(config.issuer, creds.api, clientCredentialsCurl) : []),
    ...(creds.payments ? paymentBannerLines(config.issuer, creds.payments) : []),
    '',
  ].join('\n');
}
