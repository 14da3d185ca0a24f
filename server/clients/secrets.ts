import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

import ProviderClass, { type Provider } from 'oidc-provider';

import type { Adapter } from '../../adapters/types.ts';
import { releaseHeldAttempt } from '../ops/attempts.ts';

const PREFIX = 'sha256:';

/** 256 bits from the CSPRNG; a secret this strong needs no slow hash, only a digest. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function digestClientSecret(secret: string): string {
  return PREFIX + hash('sha256', secret, 'base64url'); // one-shot: no Hash object per request
}

export function isSecretDigest(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(PREFIX) && value.length === PREFIX.length + 43;
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function secretMatches(storedDigest: string | undefined, presented: string | undefined): boolean {
  if (!storedDigest || typeof presented !== 'string' || !isSecretDigest(storedDigest)) return false;
  const expected = Buffer.from(storedDigest, 'utf8');
  const actual = Buffer.from(digestClientSecret(presented), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Clients store only a digest in `client_secret`, so oidc-provider's comparison is replaced
 * with one that digests the presented secret first. Symmetric uses of the secret
 * (client_secret_jwt, HS* signing) are switched off in the provider configuration.
 */
export function installSecretDigests(provider: Provider): void {
  provider.Client.prototype.compareClientSecret = async function compareClientSecretDigest(actual: string) {
    const matches = secretMatches(this.clientSecret, actual);
    // the attempt reserved before this check (token/client_auth_throttle.ts) is given back now
    if (matches) releaseHeldAttempt(ProviderClass.ctx?.state);
    return matches;
  };
}

/**
 * oidc-provider stores a dynamically registered client with the secret it has just made
 * (RFC 7591 §3.2.1 shows it once, in the response); the Client adapter keeps only its digest.
 */
export function digestSecretsOnStore(inner: Adapter): Adapter {
  return {
    ...inner,
    async upsert(id, payload, expiresIn) {
      const secret = payload.client_secret;
      const stored =
        typeof secret === 'string' && !isSecretDigest(secret) ? { ...payload, client_secret: digestClientSecret(secret) } : payload;
      await inner.upsert(id, stored, expiresIn);
    },
  };
}

/**
 * An RFC 7592 §2.2 update MAY carry the client's secret, which oidc-provider compares with the
 * stored value, here a digest. During an update the client is seen through a view whose
 * secret is the presented one when it matches the digest, so the comparison and the stored
 * record (digested again on store) stay right.
 */
export function acceptPresentedSecretOnUpdate(provider: Provider): void {
  const Client = provider.Client as unknown as { find(id: string): Promise<{ clientSecret?: string } | undefined> };
  const find = Client.find.bind(Client);
  Client.find = async function findClientForUpdate(id) {
    const client = await find(id);
    const ctx = ProviderClass.ctx;
    if (!client || ctx?.oidc?.route !== 'client_update') return client;
    return Object.create(client, {
      clientSecret: {
        get() {
          const presented = (ctx.oidc.body as { client_secret?: unknown } | undefined)?.client_secret;
          return typeof presented === 'string' && secretMatches(client.clientSecret, presented) ? presented : client.clientSecret;
        },
      },
    });
  };
}
