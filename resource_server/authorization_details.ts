import { TokenError } from './errors.ts';
import type { AuthorizationDetail, VerifiedToken } from './types.ts';

/** The token's authorization details of one type (RFC 9396 §9), for the route to match against its request. */
export function detailsOfType(token: VerifiedToken, type: string): readonly AuthorizationDetail[] {
  return token.authorizationDetails.filter((detail) => detail.type === type);
}

/**
 * The token is valid but its authorization details do not cover this request: RFC 6750 §3.1
 * `insufficient_scope` (403) with a description naming what differs. Thrown from a route behind
 * `protect`, it is answered with the route's challenge.
 */
export function insufficientAuthorization(description: string): TokenError {
  return new TokenError('insufficient_scope', description);
}

/** The token authorized one request, which has been made: RFC 6750 §3.1 `invalid_token` (401). */
export function tokenUsed(description: string): TokenError {
  return new TokenError('invalid_token', description);
}

/**
 * Which single-use tokens have been spent. `spend` answers true exactly once per token id; a
 * Service API with several processes passes one backed by its shared store (an atomic
 * `SET key 1 NX EXAT exp` in Redis), as this in-process one is per process.
 */
export interface UseRecord {
  spend(tokenId: string, exp: number): Promise<boolean>;
}

export function memoryUseRecord(now: () => number = () => Math.floor(Date.now() / 1000)): UseRecord {
  const spent = new Map<string, number>();
  function forgetExpired(): void {
    const time = now();
    for (const [id, exp] of spent) if (exp <= time) spent.delete(id);
  }
  return {
    async spend(tokenId, exp) {
      forgetExpired(); // an expired token is refused before it gets here, so its record can go
      if (spent.has(tokenId)) return false;
      spent.set(tokenId, exp);
      return true;
    },
  };
}
