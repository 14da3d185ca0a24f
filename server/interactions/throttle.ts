import type { Context } from 'koa';

import type { InteractionDeps } from './context.ts';
import type { Flash } from './state.ts';

export type Budgeted<T> = { throttled: Flash } | { outcome: T };

/**
 * Per-address budget of failed sign-ins (config RATE_LIMIT_ADDRESS_LOGIN_FAILURES a minute),
 * shared with the password grant through the store. It stops one address from trying a
 * password against many usernames, which the per-account counters alone would not notice.
 * The attempt is reserved before `check` runs and given back when `succeeded` says so.
 */
export async function withinAddressBudget<T>(
  ctx: Context,
  deps: Pick<InteractionDeps, 'limits'>,
  check: () => Promise<T>,
  succeeded: (outcome: T) => boolean,
): Promise<Budgeted<T>> {
  const { attempt, retryAfter } = await deps.limits.login(ctx.ip);
  if (!attempt) return { throttled: { key: 'login.throttled', waitSeconds: retryAfter } };
  let outcome: T;
  try {
    outcome = await check();
  } catch (err) {
    await attempt.release(); // nothing was decided (a 503): the attempt does not count
    throw err;
  }
  if (succeeded(outcome)) await attempt.release();
  else await attempt.keep();
  return { outcome };
}
