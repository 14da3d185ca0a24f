import type { Context, Next } from 'koa';
import { errors, type KoaContextWithOIDC, type TokenEndpointGrantContext } from 'oidc-provider';

import type { KeyLayout } from '../../adapters/keys.ts';
import type { OnceMarks } from '../ops/once.ts';
import { CIBA_GRANT } from '../policy/levels.ts';

/** README "Token response profiles": the `status` of each CIBA error (CIBA Core §11). */
const STATUS_OF_ERROR: Record<string, string> = {
  authorization_pending: 'pending',
  slow_down: 'pending',
  access_denied: 'rejected',
  expired_token: 'expired',
};

/** A CIBA token request still waiting, declined or expired says so in `status`, beside the error. */
export async function addDecoupledStatus(ctx: Context, next: Next): Promise<void> {
  await next();
  const { oidc } = ctx as KoaContextWithOIDC;
  if (oidc?.route !== 'token' || (oidc.params as { grant_type?: unknown } | undefined)?.grant_type !== CIBA_GRANT) return;
  const body = ctx.body as { error?: unknown; status?: unknown } | undefined;
  const status = typeof body?.error === 'string' ? STATUS_OF_ERROR[body.error] : undefined;
  if (status) body!.status = status;
}

export interface PollPace {
  marks: OnceMarks;
  keys: KeyLayout;
  /** seconds (CIBA_POLL_INTERVAL), the `interval` the backchannel response named */
  interval: number;
}

/**
 * CIBA Core §11 slow_down: a poll sooner than `interval` after the last, for a request still
 * waiting, is told to slow down. An answered or expired request gets its answer at any pace.
 */
export function slowDownFastPolls({ marks, keys, interval }: PollPace) {
  return async function slowDownFastPoll(ctx: TokenEndpointGrantContext<object>): Promise<void> {
    const id = (ctx.oidc.params as { auth_req_id?: unknown }).auth_req_id;
    if (typeof id !== 'string' || !id) return;
    if (await marks.claim(keys.ciba('poll', id), interval * 1000)) return;
    const request = await ctx.oidc.provider.BackchannelAuthenticationRequest.find(id, { ignoreExpiration: true });
    const waiting = request && request.clientId === ctx.oidc.client.clientId && !request.isExpired && !request.grantId && !request.error;
    if (waiting) throw new errors.SlowDown(`poll no more often than every ${interval} seconds`);
  };
}
