import type { Context } from 'koa';

import type { InteractionDeps } from './context.ts';
import type { Flash } from './state.ts';

/**
 * Per-address budget of failed sign-ins (config RATE_LIMIT_ADDRESS_LOGIN_FAILURES a minute),
 * shared with the password grant through the store. It stops one address from trying a
 * password against many usernames, which the per-account lock alone would not notice.
 */
export async function addressThrottled(ctx: Context, deps: InteractionDeps): Promise<Flash | undefined> {
  const wait = await deps.limits.loginBlocked(ctx.ip);
  return wait ? { key: 'login.throttled', waitSeconds: wait } : undefined;
}

export async function countAddressFailure(ctx: Context, deps: InteractionDeps): Promise<void> {
  await deps.limits.loginFailed(ctx.ip);
}
