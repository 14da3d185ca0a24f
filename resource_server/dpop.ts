import { createHash } from 'node:crypto';

import { EmbeddedJWK, calculateJwkThumbprint, errors, jwtVerify, type JWK } from 'jose';

import { digestKey, expiringCache, type ExpiringCache } from './cache.ts';
import { invalidDpopProof } from './errors.ts';

export interface DpopOptions {
  /** refuse tokens that are not DPoP-bound (FAPI 2.0 APIs) */
  required?: boolean;
  /** accepted proof algorithms; asymmetric only (RFC 9449 §4.3 check 5) */
  algs?: readonly string[];
  /** how old a proof may be; also how long its jti is remembered */
  maxAgeSeconds?: number;
  clockToleranceSeconds?: number;
  replayCacheSize?: number;
}

export interface ProofInput {
  proof: string | undefined;
  method: string;
  /** the request's URL as its client addressed it */
  url: URL;
  accessToken: string;
  jkt: string;
}

export const DEFAULT_DPOP_ALGS = ['ES256', 'PS256', 'EdDSA']; // the authorization server's dPoPSigningAlgValues
const DEFAULT_MAX_AGE = 60;
const DEFAULT_CLOCK_TOLERANCE = 5;
const DEFAULT_REPLAY_CACHE_SIZE = 100_000;

function describe(err: unknown): string {
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'typ') return 'the DPoP proof must have typ dpop+jwt';
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iat')
    return 'the DPoP proof is not fresh: its iat is outside the accepted window';
  if (err instanceof errors.JWTExpired) return 'the DPoP proof is not fresh: its iat is outside the accepted window';
  if (err instanceof errors.JWTClaimValidationFailed) return `the DPoP proof lacks or has an invalid ${err.claim} claim`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the DPoP proof uses an algorithm this API does not accept';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the DPoP proof signature is invalid';
  return 'the DPoP proof is not a valid JWT signed by the key in its jwk header';
}

/** RFC 9449 §4.3 check 9: scheme and host compared normalized, query and fragment ignored. */
function sameTarget(htu: unknown, url: URL): boolean {
  if (typeof htu !== 'string' || !URL.canParse(htu)) return false;
  const claimed = new URL(htu);
  return claimed.origin === url.origin && claimed.pathname === url.pathname;
}

function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Validates DPoP proofs for protected resource access (RFC 9449 §4.3, §7.1). */
export function createDpopVerifier(options: DpopOptions = {}) {
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE;
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE;
  const seen = expiringCache<true>(options.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE);
  const verifyOptions = {
    typ: 'dpop+jwt',
    algorithms: [...(options.algs ?? DEFAULT_DPOP_ALGS)],
    requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
    maxTokenAge: maxAge,
    clockTolerance: tolerance,
  };

  return async function verifyDpopProof({ proof, method, url, accessToken, jkt }: ProofInput): Promise<void> {
    if (!proof) throw invalidDpopProof('a DPoP-bound access token needs a DPoP proof in the DPoP header');
    let verified;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, verifyOptions);
    } catch (err) {
      throw invalidDpopProof(describe(err), err);
    }
    const { payload, protectedHeader } = verified;
    if (typeof payload.jti !== 'string' || !payload.jti) throw invalidDpopProof('the DPoP proof needs a jti string');
    if ((await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256')) !== jkt) {
      throw invalidDpopProof('the DPoP proof is signed by another key than the one the access token is bound to');
    }
    if (payload.htm !== method) throw invalidDpopProof(`the DPoP proof is for another HTTP method (htm must be ${method})`);
    if (!sameTarget(payload.htu, url))
      throw invalidDpopProof(`the DPoP proof is for another URL (htu must be ${url.origin}${url.pathname})`);
    if (payload.ath !== accessTokenHash(accessToken)) throw invalidDpopProof('the DPoP proof is for another access token (ath)');
    rememberOnce(seen, digestKey(jkt, payload.jti), (maxAge + 2 * tolerance) * 1000);
  };
}

/** RFC 9449 §11.1: a proof is accepted once within the window its iat allows. */
function rememberOnce(seen: ExpiringCache<true>, key: string, windowMs: number): void {
  if (seen.get(key)) throw invalidDpopProof('the DPoP proof was used before (jti replayed)');
  seen.set(key, true, windowMs);
}
