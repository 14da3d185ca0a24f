import type { Context } from 'koa';
import { errors } from 'oidc-provider';

import { readForm } from '../../pages/form.ts';
import type { InteractionDeps } from '../context.ts';
import { seeOther } from '../context.ts';
import { showApps, withdraw } from './list.ts';
import { APPS_PATHS } from './paths.ts';
import { endSession, loadSession, sessionCsrfMatches, type LoadedSession } from './session.ts';
import { showSignIn, submitCode, submitPassword } from './sign_in.ts';

type FormStep = (ctx: Context, deps: InteractionDeps, session: LoadedSession, form: URLSearchParams) => Promise<void>;

/** What each form posts to; every POST answers 303 back to the page (DESIGN.md: plain forms, no JavaScript). */
const FORMS: Record<string, FormStep> = {
  [APPS_PATHS.login]: async (ctx, deps, session, form) => (session.state.sub ? undefined : submitPassword(ctx, deps, session, form)),
  [APPS_PATHS.otp]: async (ctx, deps, session, form) => (session.state.sub ? undefined : submitCode(ctx, deps, session, form)),
  [APPS_PATHS.withdraw]: async (ctx, deps, session, form) =>
    session.state.sub ? withdraw(deps, session, form, deps.pages.language(ctx, { chosen: session.state.lang })) : undefined,
  [APPS_PATHS.signOut]: async (ctx, deps, session) => endSession(ctx, deps.store, session),
};

/** True when the request is for the authorized-apps page (GET) or one of its forms (POST). */
export function isAppsRequest(ctx: Context): boolean {
  return ctx.method === 'GET' || ctx.method === 'HEAD' ? ctx.path === APPS_PATHS.page : ctx.method === 'POST' && ctx.path in FORMS;
}

/** "Your authorized apps", behind the same strong customer authentication as an authorization. */
export async function accountApps(ctx: Context, deps: InteractionDeps): Promise<void> {
  const session = await loadSession(ctx, deps.store);
  if (ctx.method === 'POST') {
    const form = await readForm(ctx);
    if (!sessionCsrfMatches(session, form.get('csrf'))) {
      const err = new errors.InvalidRequest('the form has expired; open the page again');
      err.status = 403;
      throw err;
    }
    await FORMS[ctx.path]!(ctx, deps, session, form);
    return seeOther(ctx, APPS_PATHS.page);
  }
  const language = deps.pages.language(ctx);
  return session.state.sub ? showApps(ctx, deps, session, language) : showSignIn(ctx, deps, session, language);
}
