import type { Context } from 'koa';

import type { InteractionDeps } from './context.ts';

/**
 * Per-address budget of failed sign-ins (config RATE_LIMIT_ADDRESS_LOGIN_FAILURES a minute),
 * shared with the password grant through the store. It stops one address from trying a
 * password against many usernames, which the per-account lock alone would not notice.
 */
export async function addressThrottled(ctx: Context, deps: InteractionDeps): Promise<string | undefined> {
  const wait = await deps.limits.loginBlocked(ctx.ip);
  if (!wait) return undefined;
  const minutes = Math.max(1, Math.ceil(wait / 60));
  return `There were too many failed sign-ins from your network. Wait ${minutes} minute${minutes > 1 ? 's' : ''} and try again.`;
}

export async function countAddressFailure(ctx: Context, deps: InteractionDeps): Promise<void> {
  await deps.limits.loginFailed(ctx.ip);
}
