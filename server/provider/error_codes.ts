import type { Context, Next } from 'koa';

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
