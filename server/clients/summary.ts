import type { AdapterPayload } from '../../adapters/types.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { scopeList } from '../policy/scopes.ts';

export interface ApiAccess {
  api: string;
  level: string;
  scopes: string[];
}

/** A client's scopes grouped by the API they belong to, each with its level (README "APIs and scopes"). */
export function apiAccess(registry: ApiRegistry, scope: unknown): ApiAccess[] {
  const scopes = scopeList(scope);
  return [...registry.apisOf(scopes)].map((api) => ({
    api: api.id,
    level: api.level,
    scopes: scopes.filter((s) => registry.byScope(s) === api),
  }));
}

/** What an operator looks for first (`client list`): never a secret or its digest. */
export function clientSummary(registry: ApiRegistry, metadata: AdapterPayload) {
  return {
    client_id: metadata.client_id,
    client_name: metadata.client_name,
    apis: apiAccess(registry, metadata.scope),
    grant_types: metadata.grant_types ?? ['authorization_code'],
    token_endpoint_auth_method: metadata.token_endpoint_auth_method ?? 'client_secret_basic',
    token_response_profile: metadata.token_response_profile ?? 'default',
    ...(metadata.software_id ? { software_id: metadata.software_id } : {}),
  };
}
