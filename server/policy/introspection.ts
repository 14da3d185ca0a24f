import { apiList } from './registration.ts';
import type { ApiRegistry } from './registry.ts';

/**
 * Who may introspect a token (RFC 7662 §4): the client it was issued to, and a Service API's
 * own client (`resource_server_api`) for the tokens meant for its API.
 */
export function mayIntrospect(
  registry: ApiRegistry,
  caller: { clientId: string; resourceServerApi: unknown },
  token: { clientId?: string | undefined; aud?: unknown },
): boolean {
  if (token.clientId === caller.clientId) return true;
  return apiList(caller.resourceServerApi).some((id) => registry.byId(id)?.resource === token.aud);
}
