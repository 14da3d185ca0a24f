import type { Client, KoaContextWithOIDC, Provider } from 'oidc-provider';

import type { Audit } from '../ops/audit.ts';
import { isSecretDigest } from './secrets.ts';

/**
 * A secret is shown once, when it is issued (RFC 7591 §3.2.1); reads and updates through the
 * registration access token (RFC 7592 §2.1, §2.2) would otherwise echo the stored digest.
 */
export async function hideSecretDigests(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const route = ctx.oidc?.route;
  if (route !== 'client' && route !== 'client_update') return;
  const body = ctx.body as { client_secret?: unknown; client_secret_expires_at?: unknown } | undefined;
  if (body && isSecretDigest(body.client_secret)) {
    delete body.client_secret;
    delete body.client_secret_expires_at;
  }
}

// read as a property: during an update the client is a view of the stored one (clients/secrets.ts)
function softwareId(client: Client): string | undefined {
  const id = (client as unknown as { software_id?: unknown }).software_id;
  return typeof id === 'string' ? id : undefined;
}

/** Every change made through dynamic registration (RFC 7591, RFC 7592) is an audit event, as the admin CLI's are. */
export function auditRegistrations(provider: Provider, audit: Audit): void {
  provider.on('registration_create.success', (_ctx, client) => {
    audit('client.registered', {
      client_id: client.clientId,
      client_name: client.clientName,
      grant_types: client.grantTypes?.join(' '),
      scope: client.scope,
      software_id: softwareId(client),
    });
  });
  provider.on('registration_update.success', (_ctx, client) => {
    audit('client.updated', { client_id: client.clientId, by: 'registration_access_token', software_id: softwareId(client) });
  });
  provider.on('registration_delete.success', (_ctx, client) => {
    audit('client.deleted', { client_id: client.clientId, by: 'registration_access_token' });
  });
}
