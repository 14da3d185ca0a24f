import type { KoaContextWithOIDC, TokenEndpointGrantContext } from 'oidc-provider';

import type { ApiRegistry } from '../policy/registry.ts';

/**
 * Refresh tokens: how long they live, when they rotate, and how `refresh_count` counts a
 * chain. The count lives in oidc-provider's own `rotations` field of the refresh token: it
 * is +1 on every rotation, and for unrotated (sender-constrained) tokens this module adds it.
 */

const FALLBACK_REFRESH_TTL = 14 * 24 * 3600; // refresh tokens outside any API (OpenID-only grants)

interface RefreshTokenLike {
  rotations?: number;
  jkt?: string;
  iiat?: number | undefined;
  resource?: string | string[] | undefined;
  isSenderConstrained?: () => boolean;
  save(): Promise<string>;
}

function firstResource(token: Pick<RefreshTokenLike, 'resource'>): string | undefined {
  return Array.isArray(token.resource) ? token.resource[0] : token.resource;
}

/** The longest refresh lifetime of any API: a grant lives as long as its longest chain may. */
export function longestRefreshTtl(registry: ApiRegistry): number {
  return Math.max(...registry.apis.map((a) => a.refreshTokenTtl), FALLBACK_REFRESH_TTL);
}

/**
 * `ttl.RefreshToken`: a chain keeps the lifetime of the consent (it ends refreshTokenTtl after it
 * began) and never outlives the grant it stands on, so `refresh_token_expires_in` tells the truth.
 */
export function refreshTokenTtl(registry: ApiRegistry) {
  return function refreshTokenLifetime(ctx: KoaContextWithOIDC | undefined, token: Pick<RefreshTokenLike, 'resource' | 'iiat'>): number {
    const now = Math.floor(Date.now() / 1000);
    const resource = firstResource(token);
    const ttl = (resource && registry.byResource(resource)?.refreshTokenTtl) || FALLBACK_REFRESH_TTL;
    const grantExp = (ctx?.oidc?.entities?.Grant as { exp?: number } | undefined)?.exp;
    const end = Math.min((token.iiat ?? now) + ttl, grantExp ?? Infinity);
    return Math.max(1, end - now);
  };
}

/** `rotateRefreshToken`: sender-constrained (DPoP) refresh tokens are not rotated (FAPI 2.0 §5.3.2.1). */
export function rotateUnlessSenderConstrained(ctx: KoaContextWithOIDC): boolean {
  const token = ctx.oidc.entities.RefreshToken as RefreshTokenLike | undefined;
  return !token?.isSenderConstrained?.();
}

/** `refresh_count` of a response: 0 on a fresh grant, the chain's count on a refresh. */
export function refreshCount(ctx: KoaContextWithOIDC): number {
  if (ctx.oidc.params?.grant_type !== 'refresh_token') return 0;
  return (ctx.oidc.entities.RefreshToken as RefreshTokenLike | undefined)?.rotations ?? 0;
}

/** oidc-provider counts rotations only; an unrotated refresh still adds one to `refresh_count`. */
export async function countUnrotatedRefresh(ctx: TokenEndpointGrantContext<object>): Promise<void> {
  const { RefreshToken, RotatedRefreshToken } = ctx.oidc.entities as { RefreshToken?: RefreshTokenLike; RotatedRefreshToken?: unknown };
  if (!RefreshToken || RotatedRefreshToken) return;
  RefreshToken.rotations = (RefreshToken.rotations ?? 0) + 1;
  await RefreshToken.save(); // same value and expiry: only the count changes
}

/**
 * oidc-provider binds refresh tokens to a DPoP key only for public clients; a high API's level
 * asks for DPoP-bound refresh tokens from every client, so they are bound here too.
 */
export async function bindRefreshTokenToDpopKey(ctx: TokenEndpointGrantContext<object>): Promise<void> {
  const { RefreshToken, AccessToken } = ctx.oidc.entities as { RefreshToken?: RefreshTokenLike; AccessToken?: { jkt?: string } };
  const requiresDpop = (ctx.oidc.client as { dpopBoundAccessTokens?: boolean } | undefined)?.dpopBoundAccessTokens;
  if (!requiresDpop || !RefreshToken || RefreshToken.jkt || !AccessToken?.jkt) return;
  RefreshToken.jkt = AccessToken.jkt;
  await RefreshToken.save();
}
