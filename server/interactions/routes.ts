import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';

import { readTogether } from '../../adapters/read_ahead.ts';

import type { AppDeps } from '../deps.ts';
import { assetRoutes } from '../pages/assets.ts';
import { boundNewSignIns, extendOnceShown } from './bounds.ts';
import { cancel, showConsent, submitConsent } from './consent.ts';
import { loadStep, seeOther, type InteractionDeps, type Step } from './context.ts';
import { withErrorPage } from '../pages/error_page.ts';
import { authorizationEndpointHeaders, isAuthorizationEndpoint } from '../pages/headers.ts';
import { showLogin, submitPassword } from './login.ts';
import { showLocked, showOtp, submitCode } from './otp.ts';
import { showDecoupled, startDecoupled, type DecoupledLogins } from './decoupled.ts';
import { StepStates } from './state.ts';
import { accountApps, isAppsRequest } from './apps/routes.ts';

type StepHandler = (ctx: Context, deps: InteractionDeps, step: Step) => Promise<void>;

/** GET /interaction/:uid shows whichever step the interaction is at. */
async function showStep(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  if (step.interaction.prompt.name === 'consent') return showConsent(ctx, deps, step);
  if (step.state.locked) return showLocked(ctx, deps, step);
  await extendOnceShown(ctx, deps, step);
  if (step.state.decoupled) return showDecoupled(ctx, deps, step);
  return step.state.accountId ? showOtp(ctx, deps, step) : showLogin(ctx, deps, step);
}

// uids are oidc-provider's nanoids
const UID = '([A-Za-z0-9_-]{1,64})';

/** Every route of the sign-in pages. */
const ROUTES: { method: 'GET' | 'POST'; pattern: RegExp; handler: StepHandler }[] = [
  { method: 'GET', pattern: new RegExp(`^/interaction/${UID}$`), handler: showStep },
  { method: 'POST', pattern: new RegExp(`^/interaction/${UID}/login$`), handler: submitPassword },
  { method: 'POST', pattern: new RegExp(`^/interaction/${UID}/otp$`), handler: submitCode },
  { method: 'POST', pattern: new RegExp(`^/interaction/${UID}/decoupled$`), handler: startDecoupled },
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

/** The login, one-time code and consent pages under /interaction/:uid, and the pages' assets. */
export function interactionRoutes(provider: Provider, deps: AppDeps, decoupled?: DecoupledLogins): Middleware {
  const interactionDeps: InteractionDeps = {
    provider,
    registry: deps.registry,
    store: deps.store,
    states: new StepStates(deps.store, deps.config.cookieKeys),
    logger: deps.logger,
    audit: deps.audit,
    limits: deps.limits,
    pages: deps.pages,
    lockout: deps.config.lockout,
    decoupled,
    ...deps.accounts,
  };
  const assets = assetRoutes(deps.config.branding);
  const bounded = boundNewSignIns(deps.limits, deps.store, deps.pages);
  return async function interactionPages(ctx: Context, next: Next): Promise<void> {
    if (isAuthorizationEndpoint(ctx)) return authorizationEndpointHeaders(ctx, () => bounded(ctx, next));
    if (isAppsRequest(ctx))
      return withErrorPage(
        deps.pages,
        ctx,
        () => ({}),
        () => accountApps(ctx, interactionDeps),
      );
    const route = matchRoute(ctx);
    if (!route) return assets(ctx, next);
    // the error page speaks the sign-in's language once the step is known
    let step: Step | undefined;
    const hints = () => ({
      here: `/interaction/${route.uid}`,
      ...(step ? { uiLocales: step.interaction.params.ui_locales, chosen: step.state.lang } : {}),
    });
    return withErrorPage(deps.pages, ctx, hints, () =>
      readTogether(async () => {
        step = await loadStep(ctx, interactionDeps, route.uid);
        // this sign-in has its result already (a form sent twice, the back button): it resumes where that result leads,
        // so its step state needs no deleting; it expires with the interaction
        if (route.handler !== showStep && step.interaction.result) return seeOther(ctx, step.interaction.returnTo);
        await route.handler(ctx, interactionDeps, step);
      }),
    );
  };
}
