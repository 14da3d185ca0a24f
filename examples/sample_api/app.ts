import Koa, { type Context, type Middleware } from 'koa';

import { sampleApis } from '../../config/apis.ts';
import { requestLogging, type Logger } from '../../server/ops/logger.ts';
import { createTokenVerifier, type TokenVerifierOptions } from '../../resource_server/middleware.ts';
import { EXCHANGE_RATES, demoAccounts } from './data.ts';
import { RequestError, acceptPayment, readPaymentRequest } from './payments.ts';
import { assertApprovedPayment } from './dynamic_linking.ts';
import { memoryUseRecord, type UseRecord } from '../../resource_server/index.ts';
import type { VerifiedToken } from '../../resource_server/types.ts';

export interface SampleApiOptions {
  issuer: string;
  introspection: NonNullable<TokenVerifierOptions['introspection']>;
  /** the public origin of the sample API, for DPoP htu; default: each request's own */
  origin?: string;
  logger: Logger;
  /** which payment authorizations have been spent; default: this process's own record */
  used?: UseRecord;
}

interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** the API of the sample registry this route belongs to */
  api: string;
  scope: string;
  requireDpop?: boolean;
  handle(ctx: Context, token: VerifiedToken): Promise<void> | void;
}

function rates(ctx: Context): void {
  ctx.body = EXCHANGE_RATES;
}

function accounts(ctx: Context, token: VerifiedToken): void {
  if (!token.sub || token.sub === token.client_id) {
    throw new RequestError(403, 'access_denied', 'this access token does not act for a customer');
  }
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { accounts: demoAccounts(token.sub) };
}

/** One payment per authorization, exactly as the customer approved it (README "Payments"). */
const payments = (used: UseRecord) =>
  async function submitPayment(ctx: Context, token: VerifiedToken): Promise<void> {
    const request = await readPaymentRequest(ctx);
    await assertApprovedPayment(token, request, used);
    const payment = acceptPayment(token, request);
    ctx.status = 201;
    ctx.set('Location', `/payments/${payment.payment_id}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = payment;
  };

const routes = (used: UseRecord): readonly Route[] => [
  { method: 'GET', path: '/public/rates', api: 'public-data', scope: 'public:read', handle: rates },
  { method: 'GET', path: '/accounts', api: 'accounts', scope: 'accounts:read', handle: accounts },
  { method: 'POST', path: '/payments', api: 'payments', scope: 'payments:write', requireDpop: true, handle: payments(used) },
];

function resourceOf(apiId: string): string {
  const api = sampleApis.find((a) => a.id === apiId);
  if (!api) throw new Error(`the sample registry has no API ${apiId}`);
  return api.resource;
}

/** Exposed errors keep their status and message; anything else is a logged, generic 500. */
function errorHandler(): Middleware {
  return async function renderErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; error?: string; message?: string };
      if (e.expose && e.status && e.status < 500) {
        ctx.status = e.status;
        ctx.body = { error: e.error ?? 'invalid_request', error_description: e.message };
        return;
      }
      (ctx.state.log as Logger).error({ err }, 'server_error');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'an unexpected error occurred' };
    }
  };
}

function routing(options: SampleApiOptions): Middleware {
  const verifier = createTokenVerifier(options);
  const guarded = routes(options.used ?? memoryUseRecord()).map((route) => ({
    route,
    guard: verifier.protect({ audience: resourceOf(route.api), scopes: [route.scope], requireDpop: route.requireDpop ?? false }),
  }));
  return async function dispatch(ctx, next) {
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    const onPath = guarded.filter(({ route }) => route.path === ctx.path);
    if (!onPath.length) return next();
    const match = onPath.find(({ route }) => route.method === ctx.method);
    if (!match) {
      ctx.status = 405;
      ctx.set('Allow', onPath.map(({ route }) => route.method).join(', '));
      ctx.body = { error: 'invalid_request', error_description: `${ctx.method} is not allowed here` };
      return;
    }
    await match.guard(ctx, async () => match.route.handle(ctx, ctx.state.token as VerifiedToken));
  };
}

function notFound(ctx: Context): void {
  ctx.status = 404;
  ctx.body = { error: 'not_found', error_description: `no resource at ${ctx.path}` };
}

/** The sample Service API: three routes of the three sample APIs, each behind the token middleware. */
export function createSampleApi(options: SampleApiOptions): Koa {
  const app = new Koa();
  app.use(requestLogging(options.logger));
  app.use(errorHandler());
  app.use(routing(options));
  app.use(notFound);
  return app;
}
