import { ValtuusError } from '../lib/errors.ts';

export type AuthScheme = 'Bearer' | 'DPoP';

/** The error codes of RFC 6750 §3.1 and RFC 9449 §7.1. */
export type TokenErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';

const STATUS: Record<TokenErrorCode, 400 | 401 | 403> = {
  invalid_request: 400,
  invalid_token: 401,
  invalid_dpop_proof: 401,
  insufficient_scope: 403,
};

/**
 * A refusal of the presented credentials. Koa's contract (`status`, `expose`) so that an app's
 * error handler would show it as is; the middleware renders it itself with a challenge.
 */
export class TokenError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_TOKEN';
  override readonly code = 'ERR_VALTUUS_TOKEN';
  declare readonly status: 400 | 401 | 403;
  readonly error: TokenErrorCode;
  /** the scheme whose challenge explains the refusal; otherwise the one the request used */
  readonly scheme: AuthScheme | undefined;
  /** for insufficient_scope: the scopes the resource needs */
  readonly scope: string | undefined;

  constructor(error: TokenErrorCode, description: string, options: { scheme?: AuthScheme; scope?: string; cause?: unknown } = {}) {
    super(description, { status: STATUS[error], cause: options.cause });
    this.error = error;
    this.scheme = options.scheme;
    this.scope = options.scope;
  }
}

/** The authorization server (introspection or JWKS) could not be asked; the client should retry. */
export class AuthorizationServerUnavailable extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_AS_UNAVAILABLE';
  override readonly code = 'ERR_VALTUUS_AS_UNAVAILABLE';
  // a 503 the client may retry: shown, though it is a 5xx
  override readonly expose = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { status: 503, cause: options.cause });
  }
}

export function invalidRequest(description: string): TokenError {
  return new TokenError('invalid_request', description);
}

export function invalidToken(description: string, scheme?: AuthScheme, cause?: unknown): TokenError {
  return new TokenError('invalid_token', description, { ...(scheme ? { scheme } : {}), cause });
}

export function invalidDpopProof(description: string, cause?: unknown): TokenError {
  return new TokenError('invalid_dpop_proof', description, { scheme: 'DPoP', cause });
}

export function insufficientScope(required: readonly string[]): TokenError {
  const scope = required.join(' ');
  return new TokenError('insufficient_scope', `this resource needs the scope${required.length > 1 ? 's' : ''} ${scope}`, { scope });
}
