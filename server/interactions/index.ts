import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';

import type { AppDeps } from '../deps.ts';

/** The login, one-time code and consent pages under /interaction/:uid. */
export function interactionRoutes(_provider: Provider, _deps: AppDeps): Middleware {
  return async function noInteractions(_ctx, next) {
    await next();
  };
}
