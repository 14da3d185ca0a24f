import type { Context } from 'koa';

import type { Store } from '../../adapters/types.ts';
import { errors, type default as Provider, type Interaction, type InteractionResults, type Session } from 'oidc-provider';

import type { AccountServices } from '../accounts/services.ts';
import type { Audit } from '../ops/audit.ts';
import type { Limits } from '../ops/limits.ts';
import type { Logger } from '../ops/logger.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import type { Config } from '../../config/index.ts';
import { isLocale, type Locale } from '../../config/locales.ts';
import { formActionSource, setPageHeaders } from '../pages/headers.ts';
import { formatMinutes } from '../pages/i18n/format.ts';
import type { PageLanguage, Pages } from '../pages/kit.ts';
import type { DecoupledLogins } from './decoupled.ts';
import { oneOfTokens, type StepState, type StepStates } from './state.ts';

export interface InteractionDeps extends AccountServices {
  provider: Provider;
  registry: ApiRegistry;
  store: Store;
  states: StepStates;
  logger: Logger;
  audit: Audit;
  limits: Limits;
  pages: Pages;
  lockout: Config['lockout'];
  /** "Approve in the app" instead of the one-time code (decoupled.ts); off when not given */
  decoupled?: DecoupledLogins | undefined;
}

/** One request's view of an interaction: what oidc-provider holds, our own step state, and the page's links. */
export interface Step {
  uid: string;
  interaction: Interaction;
  state: StepState;
  /** whether `state` is in the store (a fresh one is not: its form token is derived from the uid) */
  stored: boolean;
  /** the form tokens this request's form may carry (StepStates.formTokens) */
  formTokens: string[];
  /** seconds until the interaction (and its step state) expires */
  ttl: number;
  clientName: string;
  /** what the client registered about itself (RFC 7591 §2): shown on the consent page */
  clientPages: {
    logoUri?: string | undefined;
    clientUri?: string | undefined;
    policyUri?: string | undefined;
    tosUri?: string | undefined;
  };
  formTargets: string[];
  paths: { page: string; login: string; otp: string; decoupled: string; consent: string; cancel: string };
}

function pathsFor(uid: string, csrf: string): Step['paths'] {
  const page = `/interaction/${uid}`;
  return {
    page,
    login: `${page}/login`,
    otp: `${page}/otp`,
    decoupled: `${page}/decoupled`,
    consent: `${page}/consent`,
    cancel: `${page}/cancel?${new URLSearchParams({ csrf })}`,
  };
}

/**
 * The customer's session an interaction was started in, as oidc-provider's `interactionDetails`
 * looks it up, but by the session's id first (one read, where its uid is two: the uid index,
 * then the session): the id names it until the session is renewed, then its uid still does.
 */
async function sessionOf(provider: Provider, ref: NonNullable<Interaction['session']>): Promise<Session | undefined> {
  const byId = ref.cookie ? await provider.Session.find(ref.cookie) : undefined;
  if (byId?.uid === ref.uid) return byId;
  return provider.Session.findByUid(ref.uid);
}

/**
 * oidc-provider's `interactionDetails`, with its checks and errors: the interaction named by its
 * signed cookie, and, when it was started in a session, that session still there with the same
 * customer.
 */
async function interactionOfCookie(ctx: Context, provider: Provider): Promise<Interaction> {
  const id = ctx.cookies.get(provider.cookieName('interaction'), { signed: true });
  if (!id) throw new errors.SessionNotFound('interaction session id cookie not found');
  const interaction = await provider.Interaction.find(id);
  if (!interaction) throw new errors.SessionNotFound('interaction session not found');
  if (interaction.session?.uid) {
    const session = await sessionOf(provider, interaction.session);
    if (!session) throw new errors.SessionNotFound('session not found');
    if (interaction.session.accountId !== session.accountId) throw new errors.SessionNotFound('session principal changed');
  }
  return interaction;
}

/**
 * The interaction named by the cookie oidc-provider set (SameSite=Lax, path-scoped), which
 * must also be the one in the URL: a page of one sign-in never acts on another. Its step state
 * is read with it (adapters/read_ahead.ts, run by the pages' routes).
 */
export async function loadStep(ctx: Context, deps: InteractionDeps, uid: string): Promise<Step> {
  const interaction = await interactionOfCookie(ctx, deps.provider);
  // a page of another sign-in is, for this browser, one that has ended
  if (interaction.uid !== uid) throw new errors.SessionNotFound('this page belongs to another sign-in; start again from the application');
  const ttl = interaction.exp - Math.floor(Date.now() / 1000);
  const found = await deps.states.find(uid);
  const client = await deps.provider.Client.find(String(interaction.params.client_id));
  if (!client) throw new errors.InvalidClient('the application is no longer registered');
  const redirectTarget = formActionSource(
    typeof interaction.params.redirect_uri === 'string' ? interaction.params.redirect_uri : undefined,
  );
  const state = found ?? deps.states.fresh(uid);
  const step: Step = {
    uid,
    interaction,
    state,
    stored: found !== undefined,
    formTokens: deps.states.formTokens(uid, found),
    ttl,
    clientName: client.clientName ?? client.clientId,
    clientPages: { logoUri: client.logoUri, clientUri: client.clientUri, policyUri: client.policyUri, tosUri: client.tosUri },
    formTargets: redirectTarget ? [redirectTarget] : [],
    paths: pathsFor(uid, state.csrf),
  };
  await rememberSwitchedLanguage(ctx, deps, step);
  return step;
}

/** A language picked with the switcher (`?lang=`) holds for the rest of this sign-in, over `ui_locales`. */
async function rememberSwitchedLanguage(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const asked = ctx.query.lang;
  if (!isLocale(asked) || asked === step.state.lang) return;
  step.state = { ...step.state, lang: asked };
  await storeState(deps, step);
}

/** Writes the step's state as it is now, for the rest of the interaction's life. */
export async function storeState(deps: InteractionDeps, step: Step): Promise<void> {
  await deps.states.save(step.uid, step.state, step.ttl);
  step.stored = true;
}

/** The page's language: the switcher's choice in this sign-in, then the request's ui_locales, the cookie, Accept-Language. */
export function stepLanguage(ctx: Context, deps: InteractionDeps, step: Step): PageLanguage {
  return deps.pages.language(ctx, { uiLocales: step.interaction.params.ui_locales, chosen: step.state.lang });
}

/**
 * Carried in the interaction's result to the authorization endpoint, so that the page drawn
 * there (form_post, pages/form_post.ts) keeps a language picked during the sign-in.
 */
export function languageResult(step: Step): { valtuus_lang?: Locale } {
  return step.state.lang ? { valtuus_lang: step.state.lang } : {};
}

export function assertCsrf(step: Step, presented: unknown): void {
  if (!oneOfTokens(step.formTokens, presented)) {
    throw new errors.InvalidRequest('the form has expired; start again from the application', 403);
  }
}

/**
 * Records the interaction's result and returns where the browser resumes, as oidc-provider's
 * `interactionResult` does, on the interaction this request loaded (and checked against its
 * cookie and session in `loadStep`) instead of loading both again.
 */
export async function finishInteraction(
  step: Step,
  result: InteractionResults,
  { mergeWithLastSubmission }: { mergeWithLastSubmission: boolean },
): Promise<string> {
  const { interaction } = step;
  interaction.result = mergeWithLastSubmission && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}

/** Every form POST answers 303, so reloading the next page never resubmits the form. */
export function seeOther(ctx: Context, location: string): void {
  setPageHeaders(ctx);
  ctx.status = 303;
  ctx.redirect(location);
  ctx.body = '';
}

/** Saves the next state; the language picked in this sign-in stays with it. */
export async function saveState(deps: InteractionDeps, step: Step, state: StepState): Promise<void> {
  const lang = step.state.lang && !state.lang ? { lang: step.state.lang } : {};
  await deps.states.save(step.uid, { ...state, ...lang }, step.ttl);
  step.stored = true;
}

/** The message to show once, in the page's language, cleared as it is shown. */
export async function takeFlash(deps: InteractionDeps, step: Step, language: PageLanguage): Promise<{ flash: string; username: string }> {
  const { flash, username = '', ...rest } = step.state;
  if (flash || username) await saveState(deps, step, rest);
  if (!flash) return { flash: '', username };
  const wait = formatMinutes(language.locale, flash.waitSeconds ?? 60);
  return { flash: language.t(flash.key, { wait }), username };
}
