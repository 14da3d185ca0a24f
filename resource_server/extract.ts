import type { Context } from 'koa';

import { invalidDpopProof, invalidRequest, type AuthScheme } from './errors.ts';

export interface PresentedToken {
  scheme: AuthScheme;
  value: string;
}

// RFC 6750 §2.1 b64token / RFC 9449 §7.1 token68
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEMES: Record<string, AuthScheme> = { bearer: 'Bearer', dpop: 'DPoP' };

/** Node keeps only the first of repeated Authorization headers, so count the raw ones. */
function headerValues(ctx: Context, name: string): string[] {
  const raw = ctx.req.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values;
}

/**
 * The access token of the request, from the Authorization header only (RFC 6750 §2.1, RFC 9449
 * §7.1). Tokens in the query leak into logs and browser history (RFC 6750 §2.3, RFC 9700 §2.2.2),
 * and more than one way at once is an error (RFC 6750 §3.1); both are refused.
 * Undefined when the request carries no credentials of ours.
 */
export function presentedToken(ctx: Context): PresentedToken | undefined {
  if (Object.hasOwn(ctx.query, 'access_token')) {
    throw invalidRequest('access tokens are not accepted in the query string; send them in the Authorization header');
  }
  const headers = headerValues(ctx, 'authorization');
  if (headers.length > 1) throw invalidRequest('more than one Authorization header was sent');
  if (!headers.length) return undefined;
  const [schemeName = '', value, ...rest] = headers[0]!.trim().split(/ +/);
  const scheme = SCHEMES[schemeName.toLowerCase()];
  if (!scheme) return undefined;
  if (!value || rest.length || !TOKEN68.test(value)) {
    throw invalidRequest(`the Authorization header is malformed: expected ${scheme} and one access token`);
  }
  return { scheme, value };
}

/** RFC 9449 §4.3 check 1: exactly one DPoP header. */
export function presentedProof(ctx: Context): string | undefined {
  const proofs = headerValues(ctx, 'dpop');
  if (proofs.length > 1) throw invalidDpopProof('more than one DPoP header was sent');
  return proofs[0];
}
