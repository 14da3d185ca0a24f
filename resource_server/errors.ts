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
export class TokenError extends Error {
  readonly code = 'ERR_VALTUUS_TOKEN';
  readonly expose = true;
  readonly status: 400 | 401 | 403;
  readonly error: TokenErrorCode;
  /** the scheme whose challenge explains the refusal; otherwise the one the request used */
  readonly scheme: AuthScheme | undefined;
  /** for insufficient_scope: the scopes the resource needs */
  readonly scope: string | undefined;

  constructor(error: TokenErrorCode, description: string, options: { scheme?: AuthScheme; scope?: string; cause?: unknown } = {}) {
    super(description, { cause: options.cause });
    this.name = 'TokenError';
    this.error = error;
    this.status = STATUS[error];
    this.scheme = options.scheme;
    this.scope = options.scope;
  }
}

/** The authorization server (introspection or JWKS) could not be asked; the client should retry. */
export class AuthorizationServerUnavailable extends Error {
  readonly code = 'ERR_VALTUUS_AS_UNAVAILABLE';
  readonly expose = true;
  readonly status = 503;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'AuthorizationServerUnavailable';
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
