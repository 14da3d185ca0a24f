import type { AdapterPayload } from '../../adapters/types.ts';
import { LEGACY_GRANTS, LEVELS, describeLevel } from '../provider/levels.ts';
import type { ApiRegistry } from '../provider/registry.ts';
import { OIDC_SCOPES } from '../provider/resources.ts';

const oidcScopes = new Set<string>(OIDC_SCOPES);

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

  const unknown = scopes.filter((s) => !oidcScopes.has(s) && !registry.byScope(s));
  if (unknown.length) problems.push(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(' ')} (not in the API registry)`);

  const legacy = grants.filter((g) => (LEGACY_GRANTS as readonly string[]).includes(g));
  if (legacy.length && !legacyAllowed) {
    problems.push(
      `${legacy.join(' and ')} ${legacy.length > 1 ? 'are legacy grants' : 'is a legacy grant'}: register with --allow-legacy-grants to switch ${legacy.length > 1 ? 'them' : 'it'} on`,
    );
  }

  const apis = registry.apisOf(scopes);
  for (const api of apis) {
    const rule = LEVELS[api.level];
    const refused = grants.filter((g) => !rule.grants.includes(g) && !(rule.legacyAllowed && legacy.includes(g)));
    if (refused.length) problems.push(`grant ${refused.join(', ')} refused: ${describeLevel(api)}`);
    if (!rule.authMethods.includes(method)) problems.push(`auth method ${method} refused: ${describeLevel(api)}`);
  }

  const high = [...apis].some((a) => LEVELS[a.level].fapi2);
  if (high && !metadata.jwks && !metadata.jwks_uri)
    problems.push('a client of a high API needs its public keys: give --jwks-uri (or an inline JWKS)');
  const implied: AdapterPayload = high ? { require_pushed_authorization_requests: true, dpop_bound_access_tokens: true } : {};
  return { problems, implied };
}
