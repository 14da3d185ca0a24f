import type { Context } from 'koa';

import { readForm } from '../pages/form.ts';
import { assertCsrf, saveState, seeOther, takeFlash, type InteractionDeps, type Step } from './context.ts';
import { renderPage } from '../pages/render.ts';
import { withinAddressBudget } from './throttle.ts';

/** The one message for an unknown username, a wrong password and a locked account alike. */
export const LOGIN_FAILED =
  'The username or password is not right, or the account is locked for a while. Check them and try again, or call us if you are locked out.';

export async function showLogin(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const { flash, username } = await takeFlash(deps, step);
  await renderPage(ctx, {
    view: 'login',
    title: 'Log in',
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
