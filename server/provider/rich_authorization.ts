import type { KoaContextWithOIDC } from 'oidc-provider';

import {
  detailsTypesTaken,
  assertKnownDetailsTypes,
  detailsForAccessToken,
  detailsForGrantSource,
  validateDetail,
  type AuthorizationDetail,
} from '../policy/authorization_details.ts';
import type { ApiRegistry } from '../policy/registry.ts';

interface WithRar {
  rar?: AuthorizationDetail[] | undefined;
}

/**
 * The feature is stable in oidc-provider 9 (an `ack` would stop the start), but its helpers
 * changed names between versions (`rarFor…`, then `authorizationDetailsFor…`): package.json
 * pins the exact version, so an upgrade is a deliberate change that runs test/payments/.
 *
 * oidc-provider's Rich Authorization Requests (RFC 9396): the types some API of the registry
 * takes (they are `authorization_details_types_supported` in discovery), validated by the
 * policy; the approved details travel from the grant to the code, the token and introspection.
 */
export function richAuthorizationRequestsFeature(registry: ApiRegistry) {
  assertKnownDetailsTypes(registry.apis);
  const taken = detailsTypesTaken(registry);
  return {
    enabled: true,
    types: Object.fromEntries(taken.map((type) => [type, { validate: validateDetail(registry, type) }])),
    authorizationDetailsForGrantSource: (ctx: KoaContextWithOIDC) => detailsForGrantSource(ctx),
    authorizationDetailsForAccessToken: (ctx: KoaContextWithOIDC, _token: unknown, source: WithRar | undefined) =>
      detailsForAccessToken(ctx, source),
    // introspection answers only the client or the API the token is for (features.introspection.allowedPolicy)
    authorizationDetailsForIntrospection: (_ctx: KoaContextWithOIDC, token: WithRar) => token.rar,
  };
}
