import type { ApiRegistry } from './registry.ts';
import { scopeList } from './scopes.ts';

/**
 * Unsigned request objects (alg `none`, OIDC Core §6.1) say nothing the query could not say,
 * so they stand for plain parameters for low and substantial APIs; a high API's requests are
 * signed or pushed (FAPI 2.0 Security Profile), so they are never accepted unsigned there,
 * nor from a client of a high API. docs/userinfo_and_api_tokens.md "Request objects".
 */
export function unsignedRequestObjectAllowed(
  registry: ApiRegistry,
  clientScope: string | undefined,
  request: { scope?: unknown; resource?: unknown },
): boolean {
  if (registry.isHighClient(clientScope)) return false;
  const resources = [request.resource].flat().filter((r): r is string => typeof r === 'string');
  const apis = [...registry.apisOf(scopeList(request.scope)), ...resources.map((r) => registry.byResource(r))];
  return apis.every((api) => api?.level !== 'high');
}
