import type Koa from 'koa';
import type Provider from 'oidc-provider';

import type { Logger } from '../ops/logger.ts';

interface RequestState {
  state?: { log?: Logger };
}

/** server_error from oidc-provider, and errors Koa meets before a route (a malformed chunked body): one log line each, never a bare stack on stderr. */
export function logProviderErrors(provider: Provider, logger: Logger): void {
  provider.on('server_error', (ctx: RequestState, err: Error) => {
    (ctx.state?.log ?? logger).error({ err }, 'server_error');
  });
  const app: Koa = provider; // Koa's own error event, beside the provider's events
  app.on('error', (err: Error, ctx?: RequestState) => {
    (ctx?.state?.log ?? logger).warn({ err }, 'request error');
  });
}
