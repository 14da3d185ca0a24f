import { randomBytes } from 'node:crypto';

import type { Store } from '../../adapters/types.ts';
import { digestClientSecret } from '../../server/clients/secrets.ts';
import { mapLimit } from './net.ts';

const IN_FLIGHT = 512; // enough to keep Redis busy through auto-pipelining, few enough not to flood it
const TOKEN_TTL = 3600;

const id = () => randomBytes(32).toString('base64url');
const epoch = () => Math.floor(Date.now() / 1000);

/** A stored client-credentials token as Valtuus stores one (the same fields and sizes). */
function clientCredentialsPayload(clientId: string): Record<string, unknown> {
  const iat = epoch();
  return {
    iat,
    exp: iat + TOKEN_TTL,
    accountId: undefined,
    aud: 'https://api.bank.example/public',
    clientId,
    extra: {},
    jti: id(),
    kind: 'ClientCredentials',
    scope: 'public:read',
  };
}

/** A registered client-credentials client, as `client create` stores one. */
function clientPayload(clientId: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: `Preloaded ${clientId.slice(0, 8)}`,
    client_id_issued_at: epoch(),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'public:read',
    client_secret: digestClientSecret(id()),
    client_secret_expires_at: 0,
  };
}

/**
 * Fills the store the way a large deployment's would be: `clients` registrations and `tokens`
 * live client-credentials tokens spread over them, written through the server's own adapter.
 * Returns how long it took, in seconds.
 */
export async function preloadStore(store: Store, tokens: number, clients: number, log: (m: string) => void): Promise<number> {
  const started = Date.now();
  const clientIds = Array.from({ length: clients }, () => randomBytes(16).toString('base64url'));
  await mapLimit(clientIds, IN_FLIGHT, (clientId) => store.adapter('Client').upsert(clientId, clientPayload(clientId)));
  const owners = clientIds.length ? clientIds : ['preloaded-client'];
  const tokenAdapter = store.adapter('ClientCredentials');
  const CHUNK = 50_000;
  for (let done = 0; done < tokens; done += CHUNK) {
    const count = Math.min(CHUNK, tokens - done);
    await mapLimit(
      Array.from({ length: count }, (_, i) => owners[(done + i) % owners.length]!),
      IN_FLIGHT,
      async (owner) => {
        const payload = clientCredentialsPayload(owner);
        await tokenAdapter.upsert(String(payload.jti), payload, TOKEN_TTL);
      },
    );
    log(`  preloaded ${done + count} of ${tokens} tokens`);
  }
  return (Date.now() - started) / 1000;
}
