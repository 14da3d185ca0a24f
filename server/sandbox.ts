import type { Config } from '../config/index.ts';
import type { SandboxCustomer } from './accounts/sandbox.ts';
import type { ClientManager } from './clients/manage.ts';

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
}

/** Seeds the demo TPP that the sandbox banner tells a newcomer to try. */
export async function seedSandbox(clients: ClientManager): Promise<SandboxCredentials> {
  const created = await clients.create({
    clientId: 'demo-tpp',
    name: 'Demo TPP',
    grantTypes: ['client_credentials'],
    scope: 'public:read',
    authMethod: 'client_secret_basic',
  });
  return { clientId: String(created.client_id), clientSecret: String(created.client_secret) };
}

export function sandboxBanner(config: Config, creds: SandboxCredentials, customer?: SandboxCustomer): string {
  const customerLines = customer
    ? [
        `  demo customer: username=${customer.username}`,
        `                 password=${customer.password}`,
        `                 TOTP secret=${customer.totpSecret} (add it to an authenticator app)`,
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
    '',
  ].join('\n');
}
