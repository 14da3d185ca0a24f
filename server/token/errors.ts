import type { Context, Next } from 'koa';
import { errors } from 'oidc-provider';

// oidc-provider's words when a client uses a grant type it is not registered for
const GRANT_NOT_ALLOWED = 'requested grant type is not allowed for this client';

/**
 * RFC 6749 §5.2 names this case `unauthorized_client`; oidc-provider answers
 * `invalid_request`. The description is kept; only the code is put right.
 */
export async function unauthorizedClientForGrant(ctx: Context, next: Next): Promise<void> {
  await next();
  const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
  if (ctx.status === 400 && body?.error === 'invalid_request' && body.error_description === GRANT_NOT_ALLOWED) {
    body.error = 'unauthorized_client';
  }
}

/** 429 with Retry-After and an RFC 6749 §5.2 body; `temporarily_unavailable` is the registered code clients retry on. */
export function tooManyRequests(ctx: Context, retryAfter: number, what: string): InstanceType<typeof errors.TemporarilyUnavailable> {
  ctx.set('Retry-After', String(retryAfter));
  const err = new errors.TemporarilyUnavailable(`too many ${what}; retry after ${retryAfter} seconds`);
  Object.assign(err, { status: 429, statusCode: 429 });
  return err;
}
