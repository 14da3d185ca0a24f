import type { Context } from 'koa';

import { onReservedAttempt } from '../ops/attempts.ts';
import { errors } from 'oidc-provider';

import type { AccountServices } from '../accounts/services.ts';
import { SCA_ACR, SCA_AMR } from '../accounts/sca.ts';
import type { Limits } from '../ops/limits.ts';
import { readForm } from '../pages/form.ts';
import { setPageHeaders } from '../pages/headers.ts';
import type { MessageKey } from '../pages/i18n/catalogue.ts';
import { formatMinutes } from '../pages/i18n/format.ts';
import type { PageLanguage, Pages } from '../pages/kit.ts';
import { answerRequest, findOpenRequest, type AnswerDeps } from './answer.ts';
import { describeRequest } from './describe.ts';
import type { PendingRequests } from './pending.ts';
import { assertSessionCsrf, type ApprovalSession, type ApprovalSessions } from './session.ts';

export interface ApprovalPageDeps extends AnswerDeps {
  accounts: AccountServices;
  sessions: ApprovalSessions;
  pending: PendingRequests;
  limits: Limits;
  pages: Pages;
}

export const PATHS = {
  page: '/approve',
  login: '/approve/login',
  otp: '/approve/otp',
  decision: '/approve/decision',
  signout: '/approve/signout',
  script: '/approve/refresh.js',
} as const;

// what the session's `flash` may name: the catalogue key of the message shown once
const LOGIN_FAILED: MessageKey = 'login.failed';
const CODE_WRONG: MessageKey = 'otp.wrong';
const THROTTLED: MessageKey = 'login.throttled';
const NOTICES: Record<string, MessageKey> = { allow: 'approve.approved', deny: 'approve.denied', gone: 'approve.gone' };
const THROTTLE_WAIT_SECONDS = 60; // the per-address login budget is per minute

function flashText(language: PageLanguage, flash: string | undefined): string {
  if (flash === LOGIN_FAILED || flash === CODE_WRONG) return language.t(flash);
  if (flash === THROTTLED) return language.t(THROTTLED, { wait: formatMinutes(language.locale, THROTTLE_WAIT_SECONDS) });
  return '';
}

function seeOther(ctx: Context, location: string): void {
  setPageHeaders(ctx);
  ctx.status = 303;
  ctx.redirect(location);
  ctx.body = '';
}

async function showList(ctx: Context, deps: ApprovalPageDeps, session: ApprovalSession & { sub: string }): Promise<void> {
  const account = await deps.accounts.accounts.findBySub(session.sub);
  if (!account) throw new errors.SessionNotFound('you have been logged out; log in again');
  const ids = await deps.pending.list(session.sub);
  const open = await Promise.all(ids.map((id) => findOpenRequest(deps, id, session.sub)));
  const language = deps.pages.language(ctx);
  const requests = await Promise.all(
    open.filter((r) => r !== undefined).map((r) => describeRequest(deps.provider, deps.registry, r, language)),
  );
  const noticeKey = NOTICES[session.flash ?? ''];
  if (session.flash) await deps.sessions.save(ctx, { ...session, flash: undefined });
  await deps.pages.render(ctx, language, {
    view: 'approve_list',
    title: language.t('approve.listTitle'),
    here: PATHS.page,
    locals: {
      username: account.username,
      requests,
      notice: noticeKey ? language.t(noticeKey) : '',
      csrf: session.csrf,
      action: PATHS.decision,
      signoutAction: PATHS.signout,
      refreshHref: PATHS.page,
      scriptSrc: PATHS.script,
    },
  });
  setPageHeaders(ctx, [], { scriptSrc: "'self'" });
}

/** GET /approve: the sign-in step the browser is at, or the waiting requests once signed in. */
export async function showApproval(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const session = await deps.sessions.load(ctx);
  if (session.sub) return showList(ctx, deps, { ...session, sub: session.sub });
  const { flash = '', username = '' } = session;
  if (flash || username) await deps.sessions.save(ctx, { ...session, flash: undefined, username: undefined });
  const language = deps.pages.language(ctx);
  const error = flashText(language, flash);
  await deps.pages.render(ctx, language, {
    view: session.pendingSub ? 'approve_otp' : 'approve_login',
    title: language.t(session.pendingSub ? 'otp.title' : 'approve.title'),
    hasError: Boolean(error),
    here: PATHS.page,
    locals: { action: session.pendingSub ? PATHS.otp : PATHS.login, csrf: session.csrf, error, username },
  });
}

async function formOf(ctx: Context, deps: ApprovalPageDeps): Promise<{ form: URLSearchParams; session: ApprovalSession }> {
  const form = await readForm(ctx);
  const session = await deps.sessions.load(ctx);
  assertSessionCsrf(session, form.get('csrf'));
  return { form, session };
}

/**
 * The per-address budget of failed sign-ins, shared with the login pages: an attempt is reserved
 * before it is checked, given back on success, kept on failure; undefined when the budget is spent.
 */
async function withinLoginBudget<T>(
  ctx: Context,
  deps: ApprovalPageDeps,
  check: () => Promise<T>,
  succeeded: (o: T) => boolean,
): Promise<T | undefined> {
  const result = await onReservedAttempt(await deps.limits.login(ctx.ip), check, succeeded);
  return 'outcome' in result ? result.outcome : undefined;
}

export async function submitPassword(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const { form, session } = await formOf(ctx, deps);
  const username = (form.get('username') ?? '').slice(0, 128);
  const outcome = await withinLoginBudget(
    ctx,
    deps,
    () => deps.accounts.authenticator.checkPassword(username, form.get('password') ?? '', ctx.ip),
    (o) => o.ok,
  );
  if (outcome === undefined) {
    await deps.sessions.save(ctx, { id: session.id, csrf: session.csrf, flash: THROTTLED, username });
    return seeOther(ctx, PATHS.page);
  }
  const next = outcome.ok ? { pendingSub: outcome.sub } : { flash: LOGIN_FAILED, username };
  await deps.sessions.save(ctx, { id: session.id, csrf: session.csrf, ...next });
  return seeOther(ctx, PATHS.page);
}

export async function submitCode(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const { form, session } = await formOf(ctx, deps);
  const sub = session.pendingSub;
  if (!sub) return seeOther(ctx, PATHS.page);
  const outcome = await withinLoginBudget(
    ctx,
    deps,
    () => deps.accounts.authenticator.checkCode(sub, form.get('otp') ?? '', ctx.ip),
    (o) => o === 'ok',
  );
  if (outcome === undefined) {
    await deps.sessions.save(ctx, { ...session, flash: THROTTLED });
    return seeOther(ctx, PATHS.page);
  }
  if (outcome === 'ok') {
    deps.audit('login.succeeded', { sub, channel: 'approval_page', acr: SCA_ACR });
    await deps.sessions.signIn(ctx, session, sub);
    return seeOther(ctx, PATHS.page);
  }
  const next = outcome === 'locked' ? { flash: LOGIN_FAILED } : { pendingSub: sub, flash: CODE_WRONG };
  await deps.sessions.save(ctx, { id: session.id, csrf: session.csrf, ...next });
  return seeOther(ctx, PATHS.page);
}

/** One request, one answer: the form names the request; the session names the customer. */
export async function submitDecision(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const { form, session } = await formOf(ctx, deps);
  if (!session.sub || !session.authTime) return seeOther(ctx, PATHS.page);
  const decision = form.get('decision');
  if (decision !== 'allow' && decision !== 'deny') throw new errors.InvalidRequest('choose Approve or Deny');
  const auth = { acr: SCA_ACR, amr: [...SCA_AMR], authTime: session.authTime };
  const outcome = await answerRequest(deps, form.get('request') ?? '', session.sub, decision, auth, 'page');
  await deps.sessions.save(ctx, { ...session, flash: outcome === 'answered' ? decision : 'gone' });
  return seeOther(ctx, PATHS.page);
}

export async function submitSignout(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const { session } = await formOf(ctx, deps);
  await deps.sessions.end(ctx, session);
  return seeOther(ctx, PATHS.page);
}
