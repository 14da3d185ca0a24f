import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { StoreUnavailableError } from '../../adapters/errors.ts';
import { holdAttempt } from '../ops/attempts.ts';
import type { Limits } from '../ops/limits.ts';
import { BodyTooLarge, claimedClientId } from './claimed_client.ts';
import { tooManyRequests } from './errors.ts';

const CLIENT_AUTH_ROUTES = ['token', 'introspection', 'revocation', 'pushed_authorization_request', 'backchannel_authentication'];

/** A route of a feature that is switched off has no path. */
function routePath(provider: Provider, route: string): string[] {
  try {
    return [provider.pathFor(route)];
  } catch {
    return [];
  }
}

function failedClientAuth(ctx: KoaContextWithOIDC): boolean {
  return ctx.status === 401 && (ctx.body as { error?: unknown } | undefined)?.error === 'invalid_client';
}

function sendTooMany(ctx: Context, retryAfter: number, busy: boolean): void {
  // busy: the budget is not spent, every point of it is held by authentications still being checked
  const err = tooManyRequests(ctx, retryAfter, busy ? 'client authentications in progress' : 'failed client authentications');
  ctx.remove('WWW-Authenticate');
  ctx.status = 429;
  ctx.body = { error: err.error, error_description: err.error_description };
}

/** The budgets live in the store: when it cannot answer (an outage, a failover), nothing was tried and a retry is safe. */
function sendUnavailable(ctx: Context): void {
  const err = new StoreUnavailableError();
  ctx.status = 503;
  ctx.body = { error: err.error, error_description: err.error_description };
}

/** Settling a reservation after the answer must not turn the answer into an error: an unsettled one lapses with its window. */
async function settle(ctx: Context, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (err) {
    ctx.state.log?.warn({ err }, 'client authentication budget not settled');
  }
}

/**
 * Failed client authentications are counted per address and per client from an address. The
 * attempt is reserved before the client is authenticated (whichever way it names itself:
 * Basic, the form body or its assertion's `iss`), kept after a 401 invalid_client and given
 * back otherwise; over either budget the endpoint answers 429 without trying.
 */
export function clientAuthThrottle(provider: Provider, limits: Limits) {
  const paths = new Set(CLIENT_AUTH_ROUTES.flatMap((route) => routePath(provider, route)));
  return async function throttleClientAuth(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !paths.has(ctx.path)) return next();
    let clientId: string | undefined;
    try {
      clientId = await claimedClientId(ctx);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      ctx.status = 413;
      ctx.body = { error: 'invalid_request', error_description: 'the request body is too large' };
      return undefined;
    }
    let reserved: Awaited<ReturnType<Limits['clientAuth']>>;
    try {
      reserved = await limits.clientAuth(ctx.ip, clientId);
    } catch {
      return sendUnavailable(ctx);
    }
    if (!reserved.attempt) return sendTooMany(ctx, reserved.retryAfter, reserved.busy === true);
    const attempt = holdAttempt(ctx.state, reserved.attempt); // given back as soon as the client is authenticated
    try {
      await next();
    } catch (err) {
      await settle(ctx, () => attempt.release());
      throw err;
    }
    await settle(ctx, () => (failedClientAuth(ctx as KoaContextWithOIDC) ? attempt.keep() : attempt.release()));
    return undefined;
  };
}
