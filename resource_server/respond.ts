import type { Context } from 'koa';

import type { AuthScheme, AuthorizationServerUnavailable, TokenError } from './errors.ts';

/** What a protected resource accepts, for its challenges. */
export interface ChallengePolicy {
  realm: string;
  /** the resource takes only DPoP-bound tokens */
  dpopRequired: boolean;
  dpopAlgs: readonly string[];
}

const RETRY_AFTER_SECONDS = 5;

/** RFC 6750 §3: attribute values are quoted-strings without `"` or `\`. */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, ' ')}"`;
}

function challenge(scheme: AuthScheme, policy: ChallengePolicy, params: Record<string, string | undefined>): string {
  const all: Record<string, string | undefined> = { realm: policy.realm, ...params };
  if (scheme === 'DPoP') all.algs = policy.dpopAlgs.join(' ');
  const rendered = Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${quoted(value)}`);
  return `${scheme} ${rendered.join(', ')}`;
}

function acceptedSchemes(policy: ChallengePolicy): AuthScheme[] {
  return policy.dpopRequired ? ['DPoP'] : ['Bearer', 'DPoP'];
}

/** RFC 6750 §3.1: a request without credentials gets the challenges but no error code. */
export function respondUnauthenticated(ctx: Context, policy: ChallengePolicy): void {
  ctx.status = 401;
  ctx.set(
    'WWW-Authenticate',
    acceptedSchemes(policy).map((s) => challenge(s, policy, {})),
  );
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'invalid_token', error_description: 'an access token is required (Authorization: Bearer or DPoP)' };
}

/** RFC 6750 §3 and RFC 9449 §7.1: the status, the challenge of the relevant scheme, a JSON body. */
export function respondTokenError(ctx: Context, err: TokenError, policy: ChallengePolicy, usedScheme: AuthScheme | undefined): void {
  // a DPoP-only resource never invites Bearer
  const scheme = err.scheme ?? (policy.dpopRequired ? 'DPoP' : (usedScheme ?? 'Bearer'));
  ctx.status = err.status;
  ctx.set('WWW-Authenticate', challenge(scheme, policy, { error: err.error, error_description: err.message, scope: err.scope }));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: err.error, error_description: err.message, ...(err.scope ? { scope: err.scope } : {}) };
}

export function respondUnavailable(ctx: Context, err: AuthorizationServerUnavailable): void {
  ctx.status = 503;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'temporarily_unavailable', error_description: err.message };
}
