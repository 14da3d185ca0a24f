import type { Context, Next } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * RFC 6749 §5.2 names a grant the client is not registered for `unauthorized_client`;
 * oidc-provider's allowedGrantTypeCheck (lib/actions/token.js) answers `invalid_request`.
 * Once the client is known and grant_type is a single value, an unsupported grant is
 * `unsupported_grant_type` and the later steps run only for an allowed grant, so an
 * invalid_request for a grant the client is not allowed is that check: the same test as
 * oidc-provider's picks the case out, never its wording. The description is kept.
 */
export async function unauthorizedClientForGrant(ctx: Context, next: Next): Promise<void> {
  await next();
  const { oidc } = ctx as KoaContextWithOIDC;
  const body = ctx.body as { error?: unknown } | undefined;
  if (oidc?.route !== 'token' || ctx.status !== 400 || body?.error !== 'invalid_request') return;
  const grantType = oidc.params?.['grant_type'];
  if (typeof grantType !== 'string' || !oidc.client || oidc.client.grantTypeAllowed(grantType)) return;
  body.error = new errors.UnauthorizedClient().error;
}

/**
 * 429 with an RFC 6749 §5.2 body: `temporarily_unavailable` is the registered code clients
 * retry on, RFC 6585 §4 the status; Retry-After says when.
 */
export class TooManyRequests extends errors.OIDCProviderError {
  static readonly code = 'ERR_VALTUUS_TOO_MANY_REQUESTS';
  readonly code = 'ERR_VALTUUS_TOO_MANY_REQUESTS';
  readonly retryAfter: number;

  constructor(retryAfter: number, what: string) {
    super(429, 'temporarily_unavailable');
    this.error_description = `too many ${what}; retry after ${retryAfter} seconds`;
    this.retryAfter = retryAfter;
  }
}

/** Sets Retry-After and hands back the error to throw (or render, before oidc-provider's routes). */
export function tooManyRequests(ctx: Context, retryAfter: number, what: string): TooManyRequests {
  ctx.set('Retry-After', String(retryAfter));
  return new TooManyRequests(retryAfter, what);
}
