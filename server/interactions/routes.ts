import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';

import type { AppDeps } from '../deps.ts';
import { serveStylesheet } from '../pages/assets.ts';
import { boundNewSignIns, extendOnceShown } from './bounds.ts';
import { cancel, showConsent, submitConsent } from './consent.ts';
import { loadStep, type InteractionDeps, type Step } from './context.ts';
import { withErrorPage } from '../pages/error_page.ts';
import { authorizationEndpointHeaders, isAuthorizationEndpoint } from '../pages/headers.ts';
import { showLogin, submitPassword } from './login.ts';
import { showOtp, submitCode } from './otp.ts';
import { STYLESHEET_PATH } from '../pages/render.ts';
import { StepStates } from './state.ts';

type StepHandler = (ctx: Context, deps: InteractionDeps, step: Step) => Promise<void>;

/** GET /interaction/:uid shows whichever step the interaction is at. */
async function showStep(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  if (step.interaction.prompt.name === 'consent') return showConsent(ctx, deps, step);
  await extendOnceShown(ctx, deps, step);
  return step.state.accountId ? showOtp(ctx, deps, step) : showLogin(ctx, deps, step);
}

// uids are oidc-provider's nanoids
const UID = '([A-Za-z0-9_-]{1,64})';

/** Every route of the sign-in pages. */
const ROUTES: { method: 'GET' | 'POST'; pattern: RegExp; handler: StepHandler }[] = [
  { method: 'GET', pattern: new RegExp(`^/interaction/${UID}$`), handler: showStep },
  { method: 'POST', pattern: new RegExp(`^/interaction/${UID}/login$`), handler: submitPassword },
  { method: 'POST', pattern: new RegExp(`^/interaction/${UID}/otp$`), handler: submitCode },
  { method: 'POST', pattern: new RegExp(`^/interaction/${UID}/consent$`), handler: submitConsent },
  { method: 'GET', pattern: new RegExp(`^/interaction/${UID}/cancel$`), handler: cancel },
];

function matchRoute(ctx: Context): { handler: StepHandler; uid: string } | undefined {
  const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(ctx.path) : null;
    if (match) return { handler: route.handler, uid: match[1]! };
  }
  return undefined;
}

/** The login, one-time code and consent pages under /interaction/:uid, and their stylesheet. */
export function interactionRoutes(provider: Provider, deps: AppDeps): Middleware {
  const interactionDeps: InteractionDeps = {
    provider,
    registry: deps.registry,
    store: deps.store,
    states: new StepStates(deps.store),
    logger: deps.logger,
    audit: deps.audit,
    limits: deps.limits,
    ...deps.accounts,
  };
  const bounded = boundNewSignIns(deps.limits, deps.store);
  return async function interactionPages(ctx: Context, next: Next): Promise<void> {
    if (ctx.path === STYLESHEET_PATH && (ctx.method === 'GET' || ctx.method === 'HEAD')) return serveStylesheet(ctx);
    if (isAuthorizationEndpoint(ctx)) return authorizationEndpointHeaders(ctx, () => bounded(ctx, next));
    const route = matchRoute(ctx);
    if (!route) return next();
    return withErrorPage(ctx, async () => route.handler(ctx, interactionDeps, await loadStep(ctx, interactionDeps, route.uid)));
  };
}
