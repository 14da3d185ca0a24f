import type { Context } from 'koa';

import { readForm } from '../pages/form.ts';
import {
  assertCsrf,
  finishInteraction,
  languageResult,
  saveState,
  seeOther,
  stepLanguage,
  takeFlash,
  type InteractionDeps,
  type Step,
} from './context.ts';
import { SCA_ACR, SCA_AMR } from '../accounts/sca.ts';
import { formatDuration } from '../pages/i18n/format.ts';
import type { Flash } from './state.ts';
import { withinAddressBudget } from './throttle.ts';

const CODE_WRONG: Flash = { key: 'otp.wrong' };

export async function showOtp(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const language = stepLanguage(ctx, deps, step);
  const { flash } = await takeFlash(deps, step, language);
  await deps.pages.render(ctx, language, {
    view: 'otp',
    title: language.t('otp.title'),
    hasError: Boolean(flash),
    here: step.paths.page,
    formTargets: step.formTargets,
    locals: {
      clientName: step.clientName,
      action: step.paths.otp,
      decoupledAction: deps.decoupled ? step.paths.decoupled : '',
      csrf: step.state.csrf,
      error: flash,
      cancelHref: step.paths.cancel,
    },
  });
}

/**
 * A browser still signed in as another customer (an earlier authorization) would make
 * oidc-provider ask to log that customer out; this flow authenticates afresh every time,
 * so the old session is simply ended.
 */
async function endOtherCustomersSession(deps: InteractionDeps, step: Step, accountId: string): Promise<void> {
  const previous = step.interaction.session;
  if (!previous || previous.accountId === accountId) return;
  const session = await deps.provider.Session.findByUid(previous.uid);
  await session?.destroy();
  step.interaction.session = undefined;
  await step.interaction.persist();
}

/** Both factors done (the code here, or an approval on the device: decoupled.ts, which names its amr). */
export async function finishLogin(
  ctx: Context,
  deps: InteractionDeps,
  step: Step,
  accountId: string,
  how: { amr: readonly string[] } = { amr: SCA_AMR },
): Promise<void> {
  await endOtherCustomersSession(deps, step, accountId);
  const returnTo = await finishInteraction(
    step,
    // remember: false keeps the session cookie to this browser session; SCA is asked for each authorization anyway
    { login: { accountId, acr: SCA_ACR, amr: [...how.amr], remember: false }, ...languageResult(step) },
    { mergeWithLastSubmission: false },
  );
  const username = await deps.accounts.usernameOf(accountId);
  deps.audit('login.succeeded', { sub: accountId, username, client_id: String(step.interaction.params.client_id), acr: SCA_ACR });
  return seeOther(ctx, returnTo);
}

/**
 * After the right password, a lock met at the code step is said plainly, with the policy:
 * the customer has shown they know the password, so this tells an attacker nothing new.
 */
export async function showLocked(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const language = stepLanguage(ctx, deps, step);
  const { t } = language;
  const params = { attempts: deps.lockout.maxFailures, duration: formatDuration(language.locale, deps.lockout.lockSeconds) };
  await deps.pages.render(ctx, language, {
    view: 'locked',
    title: t('error.locked.heading'),
    status: 403,
    here: step.paths.page,
    formTargets: step.formTargets,
    locals: { text: t('error.locked.text', params), clientName: step.clientName, cancelHref: step.paths.cancel },
  });
}

/** Second factor: a right code finishes the login; a lock ends on the lock page. */
export async function submitCode(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const form = await readForm(ctx);
  assertCsrf(step, form.get('csrf'));
  const { accountId, csrf } = step.state;
  if (step.interaction.prompt.name !== 'login' || !accountId) return seeOther(ctx, step.paths.page);

  const result = await withinAddressBudget(
    ctx,
    deps,
    () => deps.authenticator.checkCode(accountId, form.get('otp') ?? '', ctx.ip),
    (o) => o === 'ok',
  );
  if ('throttled' in result) await saveState(deps, step, { csrf, accountId, flash: result.throttled });
  else if (result.outcome === 'ok') return finishLogin(ctx, deps, step, accountId);
  else if (result.outcome === 'locked') await saveState(deps, step, { csrf, locked: true });
  else await saveState(deps, step, { csrf, accountId, flash: CODE_WRONG });
  return seeOther(ctx, step.paths.page);
}
