import type { Context } from 'koa';

import { readForm } from '../pages/form.ts';
import { assertCsrf, saveState, seeOther, takeFlash, type InteractionDeps, type Step } from './context.ts';
import { LOGIN_FAILED } from './login.ts';
import { SCA_ACR, SCA_AMR } from '../accounts/sca.ts';
import { renderPage } from '../pages/render.ts';
import { withinAddressBudget } from './throttle.ts';

const CODE_WRONG = 'That code is not right, or it was used already. Wait for the next code in your authenticator app and try again.';

export async function showOtp(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const { flash } = await takeFlash(deps, step);
  await renderPage(ctx, {
    view: 'otp',
    title: 'Enter your one-time code',
    formTargets: step.formTargets,
    locals: {
      clientName: step.clientName,
      action: step.paths.otp,
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

async function finishLogin(ctx: Context, deps: InteractionDeps, step: Step, accountId: string): Promise<void> {
  await endOtherCustomersSession(deps, step, accountId);
  const returnTo = await deps.provider.interactionResult(
    ctx.req,
    ctx.res,
    // remember: false keeps the session cookie to this browser session; SCA is asked for each authorization anyway
    { login: { accountId, acr: SCA_ACR, amr: [...SCA_AMR], remember: false } },
    { mergeWithLastSubmission: false },
  );
  await deps.states.destroy(step.uid);
  deps.audit('login.succeeded', { sub: accountId, client_id: String(step.interaction.params.client_id), acr: SCA_ACR });
  return seeOther(ctx, returnTo);
}

/** Second factor: a right code finishes the login; a lock sends the customer back to the first step. */
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
  else if (result.outcome === 'locked') await saveState(deps, step, { csrf, flash: LOGIN_FAILED });
  else await saveState(deps, step, { csrf, accountId, flash: CODE_WRONG });
  return seeOther(ctx, step.paths.page);
}
