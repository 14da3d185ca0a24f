import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { Limits, RetryAfter } from '../ops/limits.ts';
import { tooManyRequests } from './errors.ts';

const CLIENT_AUTH_ROUTES = ['token', 'introspection', 'revocation', 'pushed_authorization_request', 'backchannel_authentication'];

function basicClientId(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, i));
  } catch {
    return undefined;
  }
}

function failedClientAuth(ctx: KoaContextWithOIDC): boolean {
  return ctx.status === 401 && (ctx.body as { error?: unknown } | undefined)?.error === 'invalid_client';
}

function sendTooMany(ctx: Context, retryAfter: number): void {
  const err = tooManyRequests(ctx, retryAfter, 'failed client authentications');
  ctx.remove('WWW-Authenticate');
  ctx.status = 429;
  ctx.body = { error: err.error, error_description: err.error_description };
}

/**
 * Failed client authentications are counted per address and per client from an address;
 * over either budget, the endpoints that authenticate clients answer 429 without trying.
 */
export function clientAuthThrottle(provider: Provider, limits: Limits) {
  const paths = new Set(CLIENT_AUTH_ROUTES.map((route) => provider.pathFor(route)));
  return async function throttleClientAuth(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !paths.has(ctx.path)) return next();
    const blocked: RetryAfter = await limits.clientAuthBlocked(ctx.ip, basicClientId(ctx.get('authorization')));
    if (blocked) return sendTooMany(ctx, blocked);

    await next();

    const oidcCtx = ctx as KoaContextWithOIDC;
    if (!failedClientAuth(oidcCtx)) return undefined;
    const clientId =
      oidcCtx.oidc?.client?.clientId ?? (oidcCtx.oidc?.params?.client_id as string | undefined) ?? basicClientId(ctx.get('authorization'));
    const over = await limits.clientAuthFailed(ctx.ip, clientId);
    if (over) sendTooMany(ctx, over);
    return undefined;
  };
}
