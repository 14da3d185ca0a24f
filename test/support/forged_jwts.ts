import { randomUUID } from 'node:crypto';

import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (RFC 7519 §6): alg "none" and an empty signature. */
export function unsecuredJwt(payload: object, header: object = {}): string {
  return `${b64({ alg: 'none', ...header })}.${b64(payload)}.`;
}

export async function hs256Jwt(payload: JWTPayload, secret: string | Uint8Array, header: object = {}): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'HS256' }).sign(key);
}

export interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(alg: 'ES256' | 'PS256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg, use: 'sig' } };
}

export function signJwt(payload: JWTPayload, key: SigningKey, header: object = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: String(key.publicJwk.alg), ...header }).sign(key.privateKey);
}

/** The claims of a private_key_jwt client assertion (RFC 7523 §3), each overridable. */
export function assertionClaims(clientId: string, audience: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat: now, exp: now + 60, ...overrides };
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
