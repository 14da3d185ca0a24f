import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

import { AuthorizationServerUnavailable, invalidToken } from './errors.ts';
import { toVerifiedToken } from './claims.ts';
import type { VerifiedToken } from './types.ts';

export interface JwtOptions {
  /** default `<issuer>/jwks`, oidc-provider's route */
  jwksUri?: string;
  /** accepted signature algorithms; asymmetric only */
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  /** after a fetch, how long an unknown kid is refused before the JWKS is fetched again */
  jwksCooldownSeconds?: number;
}

const DEFAULT_ALGS = ['PS256', 'ES256', 'RS256', 'EdDSA'];
const DEFAULT_CLOCK_TOLERANCE = 5;
const DEFAULT_JWKS_COOLDOWN = 30; // bounds how often forged kids can make us fetch
const JWKS_TIMEOUT_MS = 3000;
// RFC 9068 §2.2: the claims every JWT access token carries
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** A compact JWS; anything else goes to introspection. */
export function looksLikeJwt(token: string): boolean {
  return JWS_COMPACT.test(token);
}

/** Key look-ups that fail for want of the authorization server, rather than for a bad token. */
function keyResolver(jwksUri: string, cooldownSeconds: number): JWTVerifyGetKey {
  // cached for 10 minutes; fetched again on an unknown kid (a rotation), at most once per cooldown
  const remote = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: cooldownSeconds * 1000, timeoutDuration: JWKS_TIMEOUT_MS });
  return async function authorizationServerKey(header, token) {
    try {
      return await remote(header, token);
    } catch (err) {
      if (
        err instanceof errors.JWKSNoMatchingKey ||
        err instanceof errors.JWKSMultipleMatchingKeys ||
        err instanceof errors.JOSENotSupported
      )
        throw err;
      throw new AuthorizationServerUnavailable('the signing keys of the authorization server could not be fetched; try again shortly', {
        cause: new Error(`JWKS at ${jwksUri} could not be used`, { cause: err }),
      });
    }
  };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the access token has expired';
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'typ') return 'the JWT is not an access token (typ must be at+jwt)';
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iss')
    return 'the access token was issued by another authorization server';
  if (err instanceof errors.JWTClaimValidationFailed) return `the access token lacks or has an invalid ${err.claim} claim`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'the access token is signed with a key the authorization server does not publish';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  return 'the access token is not a valid JWT access token';
}

/** RFC 9068 JWT access tokens, verified locally against the authorization server's JWKS. */
export function createJwtVerifier(issuer: string, options: JwtOptions = {}) {
  const getKey = keyResolver(options.jwksUri ?? `${issuer}/jwks`, options.jwksCooldownSeconds ?? DEFAULT_JWKS_COOLDOWN);
  const verifyOptions = {
    issuer,
    typ: 'at+jwt',
    algorithms: [...(options.algorithms ?? DEFAULT_ALGS)],
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE,
  };

  return async function verifyJwtAccessToken(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, getKey, verifyOptions);
      return toVerifiedToken('jwt', payload as Record<string, unknown>, token);
    } catch (err) {
      if (err instanceof AuthorizationServerUnavailable) throw err;
      throw invalidToken(describe(err), undefined, err);
    }
  };
}
