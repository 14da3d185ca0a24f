import type { Context } from 'koa';

import { readForm } from '../pages/form.ts';
import { assertCsrf, saveState, seeOther, stepLanguage, takeFlash, type InteractionDeps, type Step } from './context.ts';
import type { Flash } from './state.ts';
import { withinAddressBudget } from './throttle.ts';

/** The one message for an unknown username, a wrong password and a locked account alike. */
export const LOGIN_FAILED: Flash = { key: 'login.failed' };

export async function showLogin(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const language = stepLanguage(ctx, deps, step);
  const { flash, username } = await takeFlash(deps, step, language);
  await deps.pages.render(ctx, language, {
    view: 'login',
    title: language.t('login.title'),
    hasError: Boolean(flash),
    here: step.paths.page,
    formTargets: step.formTargets,
    locals: {
      clientName: step.clientName,
      action: step.paths.login,
      csrf: step.state.csrf,
      username,
      error: flash,
      cancelHref: step.paths.cancel,
    },
  });
}

/** First factor: on success the step state names the customer, and the next page asks for the code. */
export async function submitPassword(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const form = await readForm(ctx);
  assertCsrf(step, form.get('csrf'));
  if (step.interaction.prompt.name !== 'login') return seeOther(ctx, step.paths.page);

  const username = (form.get('username') ?? '').slice(0, 128);
  const { csrf } = step.state;
  const result = await withinAddressBudget(
    ctx,
    deps,
    () => deps.authenticator.checkPassword(username, form.get('password') ?? '', ctx.ip),
    (o) => o.ok,
  );
  if ('throttled' in result) await saveState(deps, step, { csrf, flash: result.throttled, username });
  else if (result.outcome.ok) await saveState(deps, step, { csrf, accountId: result.outcome.sub });
  else await saveState(deps, step, { csrf, flash: LOGIN_FAILED, username });
  return seeOther(ctx, step.paths.page);
}
