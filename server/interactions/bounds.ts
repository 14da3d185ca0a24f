import type { Context, Next } from 'koa';
import { errors } from 'oidc-provider';

import { INTERACTION_LIFETIME, type Limits } from '../ops/limits.ts';
import { withErrorPage } from '../pages/error_page.ts';
import type { Pages } from '../pages/kit.ts';
import type { Store } from '../../adapters/types.ts';
import { storeState, type InteractionDeps, type Step } from './context.ts';
import { parBrowserBinding } from './par_binding.ts';

// README "Operations": what an unauthenticated caller can make the server keep is bounded
const MAX_QUERY_BYTES = 8 * 1024; // larger requests go through PAR (RFC 9126), which a client authenticates
const MAX_VALUE_LENGTH = 2048;
const LONG_VALUES = new Set(['request', 'claims', 'authorization_details']); // bounded by the query as a whole

function tooLarge(what: string): InstanceType<typeof errors.InvalidRequest> {
  return new errors.InvalidRequest(`the authorization request is too large (${what}); send large requests through PAR`);
}

function assertBoundedQuery(ctx: Context): void {
  const size = ctx.method === 'GET' || ctx.method === 'HEAD' ? Buffer.byteLength(ctx.querystring) : (ctx.request.length ?? 0);
  if (size > MAX_QUERY_BYTES) throw tooLarge(`more than ${MAX_QUERY_BYTES} bytes`);
  for (const [name, value] of new URLSearchParams(ctx.querystring)) {
    if (!LONG_VALUES.has(name) && value.length > MAX_VALUE_LENGTH) throw tooLarge(`parameter ${name.slice(0, 40)}`);
  }
}

function tooMany(ctx: Context, retryAfter: number): Error {
  ctx.set('Retry-After', String(retryAfter));
  const err = new errors.InvalidRequest('too many sign-ins were started from your network; wait a minute and try again');
  return Object.assign(err, { status: 429, statusCode: 429 });
}

/**
 * A new authorization request (GET or POST /auth, not the resume of one) may start a stored
 * sign-in: its size is capped, each address has a budget of them a minute
 * (RATE_LIMIT_ADDRESS_INTERACTIONS), and a pushed request_uri serves one browser only.
 */
export function boundNewSignIns(limits: Limits, store: Store, pages: Pages) {
  const bindToBrowser = parBrowserBinding(store);
  return async function boundAuthorizationRequest(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== '/auth') return next();
    let allowed = false;
    const hints = () => ({ uiLocales: new URLSearchParams(ctx.querystring).get('ui_locales') ?? undefined });
    await withErrorPage(pages, ctx, hints, async () => {
      assertBoundedQuery(ctx);
      const wait = await limits.newInteraction(ctx.ip);
      if (wait) throw tooMany(ctx, wait);
      await bindToBrowser(ctx);
      allowed = true;
    });
    return allowed ? next() : undefined;
  };
}

function renewCookie(cookies: Context['cookies'], name: string, uid: string, path: string): void {
  cookies.set(name, uid, { path, signed: true, httpOnly: true, sameSite: 'lax', maxAge: INTERACTION_LIFETIME.full * 1000 });
}

/**
 * The login form is being shown: the sign-in is a person's now, and gets its full lifetime,
 * in the store and in the browser's cookies (the ones oidc-provider set, under the same names).
 */
export async function extendOnceShown(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  if (step.ttl > INTERACTION_LIFETIME.untilLoginForm) return;
  const { interaction } = step;
  await interaction.save(INTERACTION_LIFETIME.full);
  step.ttl = INTERACTION_LIFETIME.full;
  if (step.stored) await storeState(deps, step); // a state stored before (a language picked) lives as long
  renewCookie(ctx.cookies, deps.provider.cookieName('interaction'), step.uid, step.paths.page);
  renewCookie(ctx.cookies, deps.provider.cookieName('resume'), step.uid, new URL(interaction.returnTo).pathname);
}
