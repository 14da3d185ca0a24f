import type { TokenEndpointGrantContext } from 'oidc-provider';

import type { Limits } from '../ops/limits.ts';
import { tooManyRequests } from './errors.ts';

/** The client's token request budget: spent once per request, after client authentication. */
export function spendTokenBudget(limits: Limits) {
  return async function spendClientTokenBudget(ctx: TokenEndpointGrantContext<object>): Promise<void> {
    const retryAfter = await limits.tokenRequest(ctx.oidc.client.clientId);
    if (retryAfter) throw tooManyRequests(ctx, retryAfter, 'token requests for this client');
  };
}
