import { generateKeyPairSync, randomBytes } from 'node:crypto';

import type { Jwk } from '../config/index.ts';

/** A private signing key in JWK form, with a random kid and `use: sig` (no `alg`, so one RSA key serves RS256 and PS256). */
export function newSigningKey(kind: 'rsa' | 'ec'): Jwk {
  const { privateKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Jwk;
  return { ...jwk, kid: randomBytes(12).toString('base64url'), use: 'sig' };
}

/** A fresh private signing key set: RSA (RS256/PS256) first, then EC P-256 (ES256). */
export function generateSigningJwks(): { keys: Jwk[] } {
  return { keys: [newSigningKey('rsa'), newSigningKey('ec')] };
}

/**
 * Which keys sign: oidc-provider signs with the first key of a set that suits the
 * algorithm (keys with equal scores keep their order), so per key type the first signs
 * and the later ones are only published for verification.
 */
export function signingKeyOrder(keys: readonly Jwk[]): { key: Jwk; signing: boolean }[] {
  const seen = new Set<string>();
  return keys.map((key) => {
    const type = `${key.kty}/${String(key.crv ?? '')}`;
    const signing = !seen.has(type);
    seen.add(type);
    return { key, signing };
  });
}
