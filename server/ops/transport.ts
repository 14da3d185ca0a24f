import type { Context, Middleware, Next } from 'koa';

import type { Config } from '../../config/index.ts';
import type { ArrivalState } from './forwarding.ts';

const HSTS = 'max-age=31536000'; // a year; no includeSubDomains: the bank's other hosts decide for themselves
// the platform's probes may come straight to the process over plain HTTP; they carry nothing secret
const PROBES = new Set(['/healthz', '/readyz']);

function refuse(ctx: Context): void {
  ctx.status = 400;
  ctx.body = { error: 'invalid_request', error_description: 'this server is served over https only' };
}

/**
 * README "Transport": in production a request that did not arrive over TLS (as the trusted
 * proxy says) is redirected to https when it is a GET of a page, and refused otherwise, so no
 * form, credential or cookie ever travels in the clear; every response carries HSTS.
 */
export function requireTls(config: Pick<Config, 'env' | 'issuer'>): Middleware {
  const origin = new URL(config.issuer).origin;
  return async function httpsOnly(ctx: Context, next: Next): Promise<void> {
    if (config.env !== 'production') return next();
    ctx.set('Strict-Transport-Security', HSTS);
    if ((ctx.state as ArrivalState).arrivedOverTls || PROBES.has(ctx.path)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return refuse(ctx);
    ctx.status = 301;
    ctx.redirect(`${origin}${ctx.url}`);
    return undefined;
  };
}
