import type { RedemptionOptions } from '../../adapters/redemption.ts';
import type { Store } from '../../adapters/types.ts';

export type Redeem = (grant: () => Promise<void>, grantType: string) => Promise<void>;

/**
 * The grant and the steps after it run as one redemption (docs/storage.md "Single use"): the
 * code or refresh token it consumes is committed only once the new tokens are ready, and a
 * failure undoes both, so that a 503 means nothing happened and the same request retried
 * succeeds. A refresh token rotated less than `refreshReuseGraceSeconds` ago may be retried by
 * its client (README "Guarantees under faults"): the retry replaces the unused successor.
 * The code and refresh grants read what they redeem: that look-up is already the consume's begin.
 */
export function redeemOnce(store: Store, refreshReuseGraceSeconds: number): Redeem {
  const options = { reuseGraceMs: refreshReuseGraceSeconds * 1000 };
  const byGrantType: Record<string, RedemptionOptions> = {
    authorization_code: { ...options, redeems: 'AuthorizationCode' },
    refresh_token: { ...options, redeems: 'RefreshToken' },
  };
  return (grant, grantType) => store.redeem(grant, byGrantType[grantType] ?? options);
}
