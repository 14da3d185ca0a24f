import Koa, { type Middleware } from 'koa';

import { requireToken, type IntrospectionOptions, type TokenVerifierOptions } from '../../resource_server/index.ts';
import type { TestServer } from '../support/server.ts';
import { RESOURCE, listen, registerApiClient, type Credentials, type Listening } from './support.ts';

export interface ResourceServers extends Listening {
  credentials: Record<'publicData' | 'accounts' | 'payments', Credentials>;
}

/**
 * A Koa app with one route per sample API, each behind its own requireToken, echoing
 * ctx.state.token: GET /data (public:read), GET /accounts (accounts:read), POST /pay
 * (payments:write, DPoP-bound only).
 */
export type HarnessOptions = Omit<Partial<TokenVerifierOptions>, 'introspection'> & { introspection?: Partial<IntrospectionOptions> };

export async function startResourceServers(srv: TestServer, options: HarnessOptions = {}): Promise<ResourceServers> {
  const credentials = {
    publicData: await registerApiClient(srv, 'public-data'),
    accounts: await registerApiClient(srv, 'accounts'),
    payments: await registerApiClient(srv, 'payments'),
  };
  const guard = (api: keyof typeof credentials, scopes: string[], requireDpop = false) =>
    requireToken({
      issuer: srv.url,
      audience: RESOURCE[api],
      scopes,
      requireDpop,
      ...options,
      introspection: { ...credentials[api], ...options.introspection },
    });
  const routes: Record<string, Middleware> = {
    'GET /data': guard('publicData', ['public:read']),
    'GET /accounts': guard('accounts', ['accounts:read']),
    'POST /pay': guard('payments', ['payments:write'], true),
  };
  const app = new Koa();
  app.use(async (ctx, next) => {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (!route) return next();
    await route(ctx, async () => {
      ctx.body = ctx.state.token;
    });
  });
  return { ...(await listen(app)), credentials };
}
