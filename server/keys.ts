import { generateKeyPairSync, randomBytes } from 'node:crypto';

import type { Jwk } from '../config/index.ts';

function privateJwk(kind: 'rsa' | 'ec'): Jwk {
  const { privateKey } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Jwk;
  return { ...jwk, kid: randomBytes(12).toString('base64url'), use: 'sig' };
}

/** A fresh private signing key set: RSA (RS256/PS256) first, then EC P-256 (ES256). */
export function generateSigningJwks(): { keys: Jwk[] } {
  return { keys: [privateJwk('rsa'), privateJwk('ec')] };
}
