import type { Context } from 'koa';

import { readForm } from '../pages/form.ts';
import { setPageHeaders } from '../pages/headers.ts';
import { endWithAccessDenied } from './consent.ts';
import { assertCsrf, saveState, seeOther, stepLanguage, type InteractionDeps, type Step } from './context.ts';
import { finishLogin } from './otp.ts';

/** How a customer authenticated on the device, as the approval said (OIDC Core §2 acr, RFC 8176 amr). */
export type DecoupledCheck =
  { status: 'pending' | 'denied' | 'expired' | 'gone' } | { status: 'approved'; acr: string | undefined; amr: readonly string[] };

/**
 * "Approve in the app" instead of the one-time code: the same decoupled channel as CIBA (the
 * bank's app backend, or the approval page), provided by server/approval/.
 */
export interface DecoupledLogins {
  start(accountId: string, clientId: string, ttlSeconds: number): Promise<{ id: string; bindingMessage: string } | undefined>;
  /** An approval is taken once: after `approved` the same id is `gone`. */
  check(id: string, accountId: string): Promise<DecoupledCheck>;
}

// RFC 8176: the password here, then an approval on another channel (mca) in the ways the device names
const DECOUPLED_AMR = ['pwd', 'mca'];
const SCRIPT = '/approve/refresh.js'; // the approval page's self-refresh: it polls the same way

/** POST …/decoupled: after the right password, ask the customer's device instead of a code. */
export async function startDecoupled(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const form = await readForm(ctx);
  assertCsrf(step, form.get('csrf'));
  const { accountId, csrf } = step.state;
  if (step.interaction.prompt.name !== 'login' || !accountId || !deps.decoupled) return seeOther(ctx, step.paths.page);
  const started = await deps.decoupled.start(accountId, String(step.interaction.params.client_id), step.ttl);
  await saveState(deps, step, started ? { ...step.state, decoupled: started } : { csrf, accountId, flash: { key: 'decoupled.busy' } });
  return seeOther(ctx, step.paths.page);
}

async function showWaiting(ctx: Context, deps: InteractionDeps, step: Step, bindingMessage: string): Promise<void> {
  const language = stepLanguage(ctx, deps, step);
  await deps.pages.render(ctx, language, {
    view: 'decoupled_wait',
    title: language.t('decoupled.title'),
    here: step.paths.page,
    formTargets: step.formTargets,
    locals: { clientName: step.clientName, bindingMessage, refreshHref: step.paths.page, cancelHref: step.paths.cancel, scriptSrc: SCRIPT },
  });
  setPageHeaders(ctx, step.formTargets, { scriptSrc: "'self'" });
}

/** GET /interaction/:uid while waiting: the page refreshes (a link without JavaScript) until the device answers. */
export async function showDecoupled(ctx: Context, deps: InteractionDeps, step: Step): Promise<void> {
  const { decoupled, accountId, csrf } = step.state;
  if (!decoupled || !accountId || !deps.decoupled) return seeOther(ctx, step.paths.page);
  const outcome = await deps.decoupled.check(decoupled.id, accountId);
  switch (outcome.status) {
    case 'pending':
      return showWaiting(ctx, deps, step, decoupled.bindingMessage);
    case 'approved': {
      const amr = [...new Set([...DECOUPLED_AMR, ...outcome.amr])];
      return finishLogin(ctx, deps, step, accountId, { amr });
    }
    case 'denied':
      return endWithAccessDenied(ctx, deps, step, 'the customer declined the sign-in on the device');
    default:
      await saveState(deps, step, { csrf, accountId, flash: { key: 'decoupled.expired' } });
      return seeOther(ctx, step.paths.page);
  }
}
