import { errors } from 'oidc-provider';

import type { AdapterPayload } from '../../adapters/types.ts';
import type { ApiDefinition, Jwk } from '../../config/index.ts';
import { LEVELS, describeLevel, isFapi2, isLegacyGrant } from './levels.ts';
import type { ApiRegistry } from './registry.ts';
import { SOFTWARE_METADATA, assertSoftwareMetadata, assertTokenResponseProfile } from './client_metadata.ts';
import { isOidcScope } from './scopes.ts';

/**
 * `id_token_signed_response_alg` for a client that registers without one (README "ID token
 * algorithm"): ES256 when the server has an EC P-256 key, which signs about ten times cheaper
 * than RSA-2048 and is one of FAPI 2.0 Security Profile §5.4.1's algorithms (RS256 is not);
 * RS256, OIDC Registration §2's own default, for a key set without one. A client's explicit
 * choice stays.
 */
export function defaultIdTokenAlg(keys: readonly Jwk[]): 'ES256' | 'RS256' {
  const p256 = keys.some((key) => key.kty === 'EC' && key.crv === 'P-256' && (key.alg === undefined || key.alg === 'ES256'));
  return p256 ? 'ES256' : 'RS256';
}

/**
 * Checks a registration against the API security levels before it is stored, so that a
 * client the levels forbid is never created. Returns every problem found, in words an
 * operator can act on, and the metadata the levels imply (PAR and DPoP for high APIs).
 */
export function applyLevelPolicy(
  registry: ApiRegistry,
  metadata: AdapterPayload,
  legacyAllowed: boolean,
): { problems: string[]; implied: AdapterPayload } {
  const problems: string[] = [];
  const scopes = String(metadata.scope ?? '')
    .split(' ')
    .filter(Boolean);
  const grants = (metadata.grant_types as string[] | undefined) ?? [];
  const method = String(metadata.token_endpoint_auth_method);

  const unknown = scopes.filter((s) => !isOidcScope(s) && !registry.byScope(s));
  if (unknown.length) problems.push(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(' ')} (not in the API registry)`);

  const legacy = grants.filter(isLegacyGrant);
  if (legacy.length && !legacyAllowed) {
    problems.push(
      `${legacy.join(' and ')} ${legacy.length > 1 ? 'are legacy grants' : 'is a legacy grant'}: register with --allow-legacy-grants to switch ${legacy.length > 1 ? 'them' : 'it'} on`,
    );
  }

  // a grant needs one of the client's APIs to allow it; each API's auth-method rule holds for the client
  // (README "APIs and scopes"); the level itself is enforced per request (policy/enforcement.ts)
  const apis = [...registry.apisOf(scopes)];
  const highApi = apis.some(isFapi2);
  for (const grant of grants) {
    const allowedBy = (api: ApiDefinition) =>
      isLegacyGrant(grant) ? !highApi && LEVELS[api.level].legacyAllowed : LEVELS[api.level].grants.includes(grant);
    if (apis.length && !apis.some(allowedBy)) problems.push(`grant ${grant} refused: ${apis.map(describeLevel).join('; ')}`);
  }
  for (const api of apis) {
    if (!LEVELS[api.level].authMethods.includes(method)) problems.push(`auth method ${method} refused: ${describeLevel(api)}`);
  }
  if (metadata.token_response_profile === 'apigee' && highApi) {
    problems.push('token_response_profile apigee is never offered to a client of a high API (README "Token response profiles")');
  }

  if (highApi && !metadata.jwks && !metadata.jwks_uri)
    problems.push('a client of a high API needs its public keys: give --jwks-uri or --jwks (jwks_uri or jwks when registering)');
  const implied: AdapterPayload = highApi ? { require_pushed_authorization_requests: true, dpop_bound_access_tokens: true } : {};
  return { problems, implied };
}

interface ClientMetadataLike {
  grant_types?: readonly string[] | undefined;
  response_types?: readonly string[] | undefined;
  scope?: string | undefined;
}

/**
 * OIDC Core §11: `offline_access` asks for a refresh token. A client allowed the refresh grant
 * gets one anyway, so the scope may always be asked for (oidc-agent always sends it) and is
 * never refused as unregistered; for other clients oidc-provider drops it from the request.
 */
function allowOfflineAccess(metadata: ClientMetadataLike): void {
  const scopes = metadata.scope?.split(' ');
  if (!scopes || scopes.includes('offline_access') || !metadata.grant_types?.includes('refresh_token')) return;
  metadata.scope = [...scopes, 'offline_access'].join(' ');
}

/** implicit and password only with the client's legacy flag, and never with a high API's scope. */
function assertLegacyGrants(registry: ApiRegistry, flag: unknown, metadata: ClientMetadataLike): void {
  const legacy = (metadata.grant_types ?? []).filter(isLegacyGrant);
  const tokenAtAuthorization = (metadata.response_types ?? []).some((t) => t.split(' ').includes('token'));
  if (!legacy.length && !tokenAtAuthorization) return;
  if (flag !== true)
    throw new errors.InvalidClientMetadata(
      'implicit and password are legacy grants, off unless the client is registered with the legacy flag',
    );
  if (registry.isHighClient(metadata.scope))
    throw new errors.InvalidClientMetadata('legacy grants are never allowed for a client of a high API');
}

/** `resource_server_api`: the APIs whose tokens a Service API's own client may introspect. */
export function apiList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];
}

/** Valtuus' own client metadata, with the level rules that hold whenever a client is loaded. */
export const EXTRA_CLIENT_METADATA = ['resource_server_api', 'legacy_grants', 'token_response_profile', ...SOFTWARE_METADATA];

/**
 * oidc-provider's `extraClientMetadata.validator`: runs whenever a client is loaded, so a
 * stored record cannot switch on what the levels forbid.
 */
export function validateExtraClientMetadata(registry: ApiRegistry) {
  return function validateValtuusMetadata(key: string, value: unknown, metadata: ClientMetadataLike): void {
    if (key === 'legacy_grants') {
      allowOfflineAccess(metadata); // once per load: every client has this key
      return assertLegacyGrants(registry, value, metadata);
    }
    if (key === 'token_response_profile') return assertTokenResponseProfile(value, registry.isHighClient(metadata.scope));
    if ((SOFTWARE_METADATA as readonly string[]).includes(key)) return assertSoftwareMetadata(key, value);
    if (key !== 'resource_server_api' || value === undefined) return undefined;
    const ids = apiList(value);
    if (!ids.length || ids.some((id) => !registry.byId(id))) {
      throw new errors.InvalidClientMetadata(
        `resource_server_api must name APIs of the registry: a list, or a string separated by commas (got "${String(value)}")`,
      );
    }
    return undefined;
  };
}
