import type { Context, Next } from 'koa';

const DISCOVERY = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);
const CACHE = 'public, max-age=300'; // five minutes: new endpoints and keys' algorithms reach clients soon enough

/**
 * Discovery is built from ISSUER alone (ops/forwarding.ts), the same for every caller, so a
 * shared cache may keep it (RFC 8414 §3, RFC 9111 §5.2.2.9).
 */
export async function cacheDiscovery(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 200 && DISCOVERY.has(ctx.path)) ctx.set('Cache-Control', CACHE);
}
