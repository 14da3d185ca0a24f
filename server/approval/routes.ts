import { readFileSync } from 'node:fs';

import type { Context, Middleware, Next } from 'koa';

import { withErrorPage } from '../pages/error_page.ts';
import { VIEWS_DIR } from '../pages/render.ts';
import { PATHS, showApproval, submitCode, submitDecision, submitPassword, submitSignout, type ApprovalPageDeps } from './pages.ts';

type Handler = (ctx: Context, deps: ApprovalPageDeps) => Promise<void>;

/** Every route of the approval page (README "Decoupled approval (CIBA)"). */
const ROUTES: Record<string, Handler> = {
  [`GET ${PATHS.page}`]: showApproval,
  [`POST ${PATHS.login}`]: submitPassword,
  [`POST ${PATHS.otp}`]: submitCode,
  [`POST ${PATHS.decision}`]: submitDecision,
  [`POST ${PATHS.signout}`]: submitSignout,
};

const script = readFileSync(`${VIEWS_DIR}assets/approve.js`);

function serveScript(ctx: Context): void {
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.type = 'text/javascript; charset=utf-8';
  ctx.body = script;
}

/** /approve: the customer signs in with both factors and answers each waiting decoupled request. */
export function approvalRoutes(deps: ApprovalPageDeps): Middleware {
  return async function approvalPage(ctx: Context, next: Next): Promise<void> {
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    if (method === 'GET' && ctx.path === PATHS.script) return serveScript(ctx);
    const handler = ROUTES[`${method} ${ctx.path}`];
    if (!handler) return next();
    return withErrorPage(
      deps.pages,
      ctx,
      () => ({ here: PATHS.page }),
      () => handler(ctx, deps),
    );
  };
}
