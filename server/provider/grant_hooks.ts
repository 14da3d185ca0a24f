import Provider, { type TokenEndpointGrantContext } from 'oidc-provider';

import type { Limits } from '../limits.ts';
import { tooManyRequests } from './throttle.ts';

interface RefreshTokenLike {
  rotations?: number;
  jkt?: string;
  save(): Promise<string>;
}

/** Every grant: the client's token request budget comes first (the client is authenticated by then). */
async function spendTokenBudget(ctx: TokenEndpointGrantContext<object>, limits: Limits): Promise<void> {
  const retryAfter = await limits.tokenRequest(ctx.oidc.client.clientId);
  if (retryAfter) throw tooManyRequests(ctx, retryAfter, 'token requests for this client');
}

/**
 * Sender-constrained refresh tokens are not rotated (FAPI 2.0), so oidc-provider does not
 * count their uses; `refresh_count` still promises one more per refresh on the chain.
 */
async function countUnrotatedRefresh(ctx: TokenEndpointGrantContext<object>): Promise<void> {
  const { RefreshToken, RotatedRefreshToken } = ctx.oidc.entities as { RefreshToken?: RefreshTokenLike; RotatedRefreshToken?: unknown };
  if (!RefreshToken || RotatedRefreshToken) return;
  RefreshToken.rotations = (RefreshToken.rotations ?? 0) + 1;
  await RefreshToken.save(); // same value and expiry: only the count changes
}

/**
 * oidc-provider binds refresh tokens to a DPoP key only for public clients; a high API's
 * level asks for DPoP-bound refresh tokens from every client, so they are bound here too.
 */
async function bindRefreshTokenToDpopKey(ctx: TokenEndpointGrantContext<object>): Promise<void> {
  const { RefreshToken, AccessToken } = ctx.oidc.entities as { RefreshToken?: RefreshTokenLike; AccessToken?: { jkt?: string } };
  const requiresDpop = (ctx.oidc.client as unknown as { dpopBoundAccessTokens?: boolean }).dpopBoundAccessTokens;
  if (!requiresDpop || !RefreshToken || RefreshToken.jkt || !AccessToken?.jkt) return;
  RefreshToken.jkt = AccessToken.jkt;
  await RefreshToken.save();
}

/** A Provider whose grant handlers, built-in or registered later, run Valtuus' steps around them. */
export function valtuusProviderClass(limits: Limits, tokenParams: readonly string[] = []): typeof Provider {
  return class ValtuusProvider extends Provider {
    override registerGrantType<Params extends object>(
      name: string,
      handler: (ctx: TokenEndpointGrantContext<Params>) => void | Promise<void>,
      params?: string | readonly string[] | ReadonlySet<string>,
      dupes?: string | readonly string[] | ReadonlySet<string>,
    ): void {
      async function grantWithValtuusSteps(ctx: TokenEndpointGrantContext<Params>): Promise<void> {
        await spendTokenBudget(ctx, limits);
        await handler(ctx);
        if (name === 'authorization_code') await bindRefreshTokenToDpopKey(ctx);
        if (name === 'refresh_token') await countUnrotatedRefresh(ctx);
      }
      // the token request attributes some APIs require must reach the handlers
      const names = typeof params === 'string' ? [params] : [...(params ?? [])];
      super.registerGrantType(name, grantWithValtuusSteps, [...names, ...tokenParams], dupes);
    }
  } as unknown as typeof Provider;
}
