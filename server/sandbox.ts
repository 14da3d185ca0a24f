import { createHash, randomBytes } from 'node:crypto';

import type { Config } from '../config/index.ts';
import type { SandboxCustomer } from './accounts/sandbox.ts';
import type { ClientManager } from './clients/manage.ts';
import { sampleApiBannerLines, seedSampleApiClient, type SampleApiCredentials } from '../examples/sample_api/seed.ts';
import { paymentBannerLines, seedPaymentsClient, type PaymentsClientCredentials } from '../examples/sandbox_payment/seed.ts';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  /** the demo web application (authorization code + refresh token for a customer) */
  web?: { clientId: string; clientSecret: string; redirectUri: string; scope: string };
  /** the sample Service API's introspection client (npm run start:api) */
  api?: SampleApiCredentials;
  /** the demo payments app (PAR, private_key_jwt, DPoP, authorization_details) */
  payments?: PaymentsClientCredentials;
}

export const SANDBOX_WEB_REDIRECT_URI = 'http://localhost:8080/callback';
const SANDBOX_WEB_SCOPE = 'openid accounts:read accounts:write';

/** Seeds the demo TPP that the sandbox banner tells a newcomer to try. */
export async function seedSandbox(clients: ClientManager): Promise<SandboxCredentials> {
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
    redirectUris: [SANDBOX_WEB_REDIRECT_URI],
    scope: SANDBOX_WEB_SCOPE,
    authMethod: 'client_secret_basic',
  });
  const api = await seedSampleApiClient(clients);
  const payments = await seedPaymentsClient(clients);
  return {
    clientId: String(created.client_id),
    clientSecret: String(created.client_secret),
    web: {
      clientId: String(web.client_id),
      clientSecret: String(web.client_secret),
      redirectUri: SANDBOX_WEB_REDIRECT_URI,
      scope: SANDBOX_WEB_SCOPE,
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
  const customerLines = customer
    ? [
        `  demo customer: username=${customer.username}`,
        `                 password=${customer.password}`,
        `                 TOTP secret=${customer.totpSecret} (add it to an authenticator app)`,
      ]
    : [];
  const pkce = pkcePair();
  const webLines = creds.web
    ? [
        `  demo web app:  client_id=${creds.web.clientId}`,
        `                 client_secret=${creds.web.clientSecret}`,
        `                 redirect_uri=${creds.web.redirectUri}`,
        '  log in as the demo customer (open in a browser; the code arrives at the redirect URI):',
        `    ${sandboxAuthorizationUrl(config, creds.web, pkce.challenge)}`,
        `  then: curl -s -u '${creds.web.clientId}:${creds.web.clientSecret}' -d grant_type=authorization_code -d code=CODE -d redirect_uri=${creds.web.redirectUri} -d code_verifier=${pkce.verifier} ${config.issuer}/token`,
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
    `    curl -s -u '${creds.clientId}:${creds.clientSecret}' -d grant_type=client_credentials -d scope=public:read ${config.issuer}/token`,
    ...webLines,
    ...(creds.api ? sampleApiBannerLines(config.issuer, creds.api) : []),
    ...(creds.payments ? paymentBannerLines(config.issuer, creds.payments) : []),
    '',
  ].join('\n');
}
