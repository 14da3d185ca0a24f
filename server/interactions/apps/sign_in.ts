import type { Context } from 'koa';

import { formatDuration, formatMinutes } from '../../pages/i18n/format.ts';
import type { PageLanguage } from '../../pages/kit.ts';
import type { InteractionDeps } from '../context.ts';
import { withinAddressBudget } from '../throttle.ts';
import { APPS_PATHS } from './paths.ts';
import { saveSession, type LoadedSession } from './session.ts';

/** The message to show once, in the page's language, cleared as it is shown. */
async function takeFlash(deps: InteractionDeps, session: LoadedSession, language: PageLanguage): Promise<string> {
  const { flash, ...rest } = session.state;
  if (!flash) return '';
  session.state = rest;
  await saveSession(deps.store, session);
  return language.t(flash.key, { wait: formatMinutes(language.locale, flash.waitSeconds ?? 60) });
}

/** The same two forms as an authorization's sign-in (DESIGN.md): password, then the one-time code. */
export async function showSignIn(ctx: Context, deps: InteractionDeps, session: LoadedSession, language: PageLanguage): Promise<void> {
  const { t } = language;
  const error = await takeFlash(deps, session, language);
  const common = { csrf: session.state.csrf, error, cancelHref: '', clientName: '' };
  if (session.state.locked) {
    const params = { attempts: deps.lockout.maxFailures, duration: formatDuration(language.locale, deps.lockout.lockSeconds) };
    return deps.pages.render(ctx, language, {
      view: 'locked',
      title: t('error.locked.heading'),
      status: 403,
      locals: { ...common, text: t('error.locked.text', params) },
    });
  }
  if (session.state.accountId) {
    return deps.pages.render(ctx, language, {
      view: 'otp',
      title: t('otp.title'),
      hasError: Boolean(error),
      locals: { ...common, action: APPS_PATHS.otp },
    });
  }
  await deps.pages.render(ctx, language, {
    view: 'login',
    title: t('apps.title'),
    hasError: Boolean(error),
    locals: { ...common, action: APPS_PATHS.login, username: session.state.username ?? '', lead: t('apps.signInLead') },
  });
}

export async function submitPassword(ctx: Context, deps: InteractionDeps, session: LoadedSession, form: URLSearchParams): Promise<void> {
  const username = (form.get('username') ?? '').slice(0, 128);
  const { csrf } = session.state;
  const result = await withinAddressBudget(
    ctx,
    deps,
    () => deps.authenticator.checkPassword(username, form.get('password') ?? '', ctx.ip),
    (o) => o.ok,
  );
  if ('throttled' in result) session.state = { csrf, flash: result.throttled, username };
  else if (result.outcome.ok) session.state = { csrf, accountId: result.outcome.sub };
  else session.state = { csrf, flash: { key: 'login.failed' }, username };
  await saveSession(deps.store, session);
}

export async function submitCode(ctx: Context, deps: InteractionDeps, session: LoadedSession, form: URLSearchParams): Promise<void> {
  const { csrf, accountId } = session.state;
  if (!accountId) return;
  const result = await withinAddressBudget(
    ctx,
    deps,
    () => deps.authenticator.checkCode(accountId, form.get('otp') ?? '', ctx.ip),
    (o) => o === 'ok',
  );
  if ('throttled' in result) {
    session.state = { csrf, accountId, flash: result.throttled };
    return saveSession(deps.store, session);
  }
  const { outcome } = result;
  if (outcome === 'ok') {
    const account = await deps.accounts.findBySub(accountId);
    deps.audit('login.succeeded', { sub: accountId, username: account?.username, purpose: 'account_apps' });
    session.state = { csrf, sub: accountId };
  } else {
    session.state = outcome === 'locked' ? { csrf, locked: true } : { csrf, accountId, flash: { key: 'otp.wrong' } };
  }
  await saveSession(deps.store, session);
}
