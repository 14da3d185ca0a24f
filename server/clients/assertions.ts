import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** A client assertion is a one-off credential: minutes, not years (its replay key lives as long). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

interface AssertionClaims {
  aud?: unknown;
  exp?: unknown;
  iat?: unknown;
}

/**
 * oidc-provider's `assertJwtClientAuthClaimsAndHeader`, after it checked signature, `iss`,
 * `jti` and an audience of its own: RFC 7523 §3 has the server reject a JWT without its own
 * identity as audience, so for FAPI 2.0 clients only the issuer itself (FAPI 2.0 §5.3.2.1);
 * and an assertion may not live longer than a few minutes.
 */
export function assertClientAssertion(issuer: string) {
  return async function checkClientAssertion(ctx: KoaContextWithOIDC, claims: AssertionClaims): Promise<void> {
    if (ctx.oidc.isFapi('2.0') && claims.aud !== issuer) {
      throw new errors.InvalidClientAuth('audience (aud) must equal the issuer identifier url');
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = Number(claims.exp);
    const from = typeof claims.iat === 'number' ? Math.min(claims.iat, now) : now;
    if (!Number.isFinite(exp) || exp - from > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new errors.InvalidClientAuth(`client assertions may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds (exp - iat)`);
    }
  };
}
