import type { KoaContextWithOIDC } from 'oidc-provider';

import { refreshCount } from './refresh.ts';

interface RefreshTokenEntity {
  iat?: number;
  remainingTTL?: number;
}

function isIssuedTokenBody(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && typeof (body as { access_token?: unknown }).access_token === 'string';
}

/**
 * The fields the bank's API documentation promises on every successful token response
 * (README "Token response"), added after whichever grant handled the request.
 */
export async function addPromisedTokenFields(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || !isIssuedTokenBody(ctx.body)) return;

  const refreshToken = ctx.oidc.entities.RefreshToken as RefreshTokenEntity | undefined;
  const body = ctx.body;
  body.status = 'approved';
  body.refresh_count = refreshCount(ctx);
  if (typeof body.refresh_token === 'string' && refreshToken) {
    // a token saved in this request has no iat on the entity (only in its stored payload); remainingTTL covers both
    body.refresh_token_expires_in = Math.max(0, Math.floor(refreshToken.remainingTTL ?? 0));
    body.refresh_token_issued_at = refreshToken.iat ?? Math.floor(Date.now() / 1000);
  }
}
