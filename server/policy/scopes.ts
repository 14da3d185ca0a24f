/** The scopes that belong to OpenID Connect itself rather than to an API. */
export const OIDC_SCOPES = ['openid', 'offline_access'] as const;

const oidcScopes = new Set<string>(OIDC_SCOPES);

export function isOidcScope(scope: string): boolean {
  return oidcScopes.has(scope);
}

/** A space-delimited scope parameter as a list (RFC 6749 §3.3); anything but a string is no scope. */
export function scopeList(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}
