import type { ApiDefinition, Jwk } from '../../config/index.ts';
import { LEVELS } from './levels.ts';
import type { ApiRegistry } from './registry.ts';
import { OIDC_SCOPES, isOidcScope } from './scopes.ts';

/**
 * What an API's access tokens carry and how they are signed
 * (docs/userinfo_and_api_tokens.md).
 */

/**
 * The scopes a token for this API may carry: the API's own, plus OpenID Connect's (`openid`,
 * `offline_access`) for a login that asked for them, so that the one access token of an
 * OpenID login is good at userinfo (OIDC Core §5.3) and at the API, and the token response's
 * `scope` says what was granted. A client acting for itself (client credentials) has no
 * customer to describe: its tokens carry only the API's scopes.
 */
export function apiTokenScopes(api: ApiDefinition, forCustomer: boolean): string {
  const own = api.scopes.map((s) => s.name);
  return (forCustomer ? [...OIDC_SCOPES, ...own] : own).join(' ');
}

/** Whether a granted scope goes into the API's tokens (its own scopes and OpenID Connect's). */
export function carriedByApiTokens(api: ApiDefinition | undefined, scope: string): boolean {
  return isOidcScope(scope) || Boolean(api?.scopes.some((s) => s.name === scope));
}

/** The algorithms a key can sign JWT access tokens with, by its type (none for other keys). */
function algsOfKey(key: Jwk): string[] {
  if (key.alg) return [key.alg];
  if (key.kty === 'RSA') return ['RS256', 'PS256'];
  if (key.kty === 'EC' && key.crv === 'P-256') return ['ES256'];
  if (key.kty === 'OKP' && key.crv === 'Ed25519') return ['EdDSA'];
  return [];
}

/**
 * The signing algorithm of an API's JWT access tokens: the registry's `jwtAlg`; else RS256,
 * the baseline every RFC 9068 resource server accepts (§2.1), and PS256 for a high API
 * (FAPI 2.0 Security Profile §5.4.1 does not allow RS256). A key set without an RSA key
 * signs with the first key's own algorithm.
 */
export function jwtAccessTokenAlg(api: ApiDefinition, keys: readonly Jwk[]): string {
  if (api.jwtAlg) return api.jwtAlg;
  const preferred = LEVELS[api.level].fapi2 ? 'PS256' : 'RS256';
  const usable = keys.flatMap(algsOfKey);
  if (usable.includes(preferred) || !usable.length) return preferred;
  return usable.find((alg) => alg !== 'RS256' || !LEVELS[api.level].fapi2) ?? preferred;
}

/** Problems with the registry's `jwtAlg` choices for this key set, for the start-up message. */
export function jwtAlgProblems(apis: readonly ApiDefinition[], keys: readonly Jwk[]): string[] {
  const usable = new Set(keys.flatMap(algsOfKey));
  return apis
    .filter((api) => api.tokenFormat === 'jwt' && api.jwtAlg && !usable.has(api.jwtAlg))
    .map((api) => `API_REGISTRY: ${api.id} signs JWT access tokens with ${api.jwtAlg}, but JWKS has no key for it`);
}

/** An API token that carries `openid` is also good at userinfo; tokens of other audiences are not. */
export function servesUserinfo(registry: ApiRegistry, aud: unknown, scopes: ReadonlySet<string>): boolean {
  return scopes.has('openid') && typeof aud === 'string' && registry.byResource(aud) !== undefined;
}
