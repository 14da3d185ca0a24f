/** One RFC 9396 §2 authorization detail: a `type` and that type's fields. */
export interface AuthorizationDetail {
  type: string;
  [field: string]: unknown;
}

/** What the middleware leaves in `ctx.state.token` once a token has passed every check. */
export interface VerifiedToken {
  format: 'opaque' | 'jwt';
  /** this token's identifier for single-use records: its `jti`, or the SHA-256 of the token; never the token */
  id: string;
  /** the customer, or the client itself for client credentials tokens (RFC 9068 §2.2) */
  sub: string | undefined;
  client_id: string;
  /** as granted, space-delimited */
  scope: string;
  scopes: readonly string[];
  aud: readonly string[];
  /** epoch seconds */
  exp: number;
  /** the JWK SHA-256 thumbprint the token is bound to (RFC 9449 §6), when it is DPoP-bound */
  jkt: string | undefined;
  /** what the customer approved (RFC 9396 §9: introspection and JWT `authorization_details`); empty when none */
  authorizationDetails: readonly AuthorizationDetail[];
  /** every claim the authorization server gave, extra request attributes included */
  claims: Readonly<Record<string, unknown>>;
}

/** The slice of a pino logger the middleware uses; tokens are never passed to it. */
export interface ResourceLogger {
  warn(obj: object, msg: string): void;
}
