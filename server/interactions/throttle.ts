import type { Context } from 'koa';

import { onReservedAttempt } from '../ops/attempts.ts';

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
  const result = await onReservedAttempt(await deps.limits.login(ctx.ip), check, succeeded);
  return 'retryAfter' in result ? { throttled: { key: 'login.throttled', waitSeconds: result.retryAfter } } : result;
}
