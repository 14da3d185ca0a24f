import type { Context } from 'koa';
import { errors } from 'oidc-provider';

import type { AccountServices } from '../accounts/services.ts';
import { SCA_ACR, SCA_AMR } from '../accounts/sca.ts';
import type { Limits } from '../ops/limits.ts';
import { readForm } from '../pages/form.ts';
import { setPageHeaders } from '../pages/headers.ts';
import { renderPage } from '../pages/render.ts';
import { answerRequest, findOpenRequest, type AnswerDeps } from './answer.ts';
import { describeRequest } from './describe.ts';
import type { PendingRequests } from './pending.ts';
import { assertSessionCsrf, type ApprovalSession, type ApprovalSessions } from './session.ts';

export interface ApprovalPageDeps extends AnswerDeps {
  accounts: AccountServices;
  sessions: ApprovalSessions;
  pending: PendingRequests;
  limits: Limits;
}

export const PATHS = {
  page: '/approve',
  login: '/approve/login',
  otp: '/approve/otp',
  decision: '/approve/decision',
  signout: '/approve/signout',
  script: '/approve/refresh.js',
} as const;

const LOGIN_FAILED =
  'The username or password is not right, or the account is locked for a while. Check them and try again, or call us if you are locked out.';
const CODE_WRONG = 'That code is not right, or it was used already. Wait for the next code in your authenticator app and try again.';
const THROTTLED = 'There were too many failed sign-ins from your network. Wait a few minutes and try again.';
const NOTICES: Record<string, string> = {
  allow: 'Approved. You can return to the application.',
  deny: 'Denied. The application was told you declined.',
  gone: 'That request was already answered, or it has expired.',
};

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
  const requests = await Promise.all(open.filter((r) => r !== undefined).map((r) => describeRequest(deps.provider, deps.registry, r)));
  const notice = NOTICES[session.flash ?? ''] ?? '';
  if (session.flash) await deps.sessions.save(ctx, { ...session, flash: undefined });
  await renderPage(ctx, {
    view: 'approve_list',
    title: 'Requests waiting for you',
    locals: {
      username: account.username,
      requests,
      notice,
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
  const view = session.pendingSub ? 'approve_otp' : 'approve_login';
  await renderPage(ctx, {
    view,
    title: session.pendingSub ? 'Enter your one-time code' : 'Approve requests',
    locals: { action: session.pendingSub ? PATHS.otp : PATHS.login, csrf: session.csrf, error: flash, username },
  });
}

async function formOf(ctx: Context, deps: ApprovalPageDeps): Promise<{ form: URLSearchParams; session: ApprovalSession }> {
  const form = await readForm(ctx);
  const session = await deps.sessions.load(ctx);
  assertSessionCsrf(session, form.get('csrf'));
  return { form, session };
}

export async function submitPassword(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const { form, session } = await formOf(ctx, deps);
  const username = (form.get('username') ?? '').slice(0, 128);
  if (await deps.limits.loginBlocked(ctx.ip)) {
    await deps.sessions.save(ctx, { id: session.id, csrf: session.csrf, flash: THROTTLED, username });
    return seeOther(ctx, PATHS.page);
  }
  const outcome = await deps.accounts.authenticator.checkPassword(username, form.get('password') ?? '');
  if (!outcome.ok) await deps.limits.loginFailed(ctx.ip);
  const next = outcome.ok ? { pendingSub: outcome.sub } : { flash: LOGIN_FAILED, username };
  await deps.sessions.save(ctx, { id: session.id, csrf: session.csrf, ...next });
  return seeOther(ctx, PATHS.page);
}

export async function submitCode(ctx: Context, deps: ApprovalPageDeps): Promise<void> {
  const { form, session } = await formOf(ctx, deps);
  const sub = session.pendingSub;
  if (!sub) return seeOther(ctx, PATHS.page);
  if (await deps.limits.loginBlocked(ctx.ip)) {
    await deps.sessions.save(ctx, { ...session, flash: THROTTLED });
    return seeOther(ctx, PATHS.page);
  }
  const outcome = await deps.accounts.authenticator.checkCode(sub, form.get('otp') ?? '');
  if (outcome === 'ok') {
    deps.audit('login.succeeded', { sub, channel: 'approval_page', acr: SCA_ACR });
    await deps.sessions.signIn(ctx, session, sub);
    return seeOther(ctx, PATHS.page);
  }
  await deps.limits.loginFailed(ctx.ip);
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
