import type Provider from 'oidc-provider';
import { errors, type Client, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import type { Config } from '../../config/index.ts';
import type { ResourceIndicators } from '../policy/enforcement.ts';
import { mayIntrospect } from '../policy/introspection.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { richAuthorizationRequestsFeature } from './rich_authorization.ts';
import { registrationFeatures } from './registration.ts';

type Features = NonNullable<Configuration['features']>;

/**
 * Who may introspect a token (policy/introspection.ts); an API's own client only while the
 * token's client is registered. Used for opaque tokens here and for JWTs (introspection.ts).
 */
// oidc-provider makes one Client per registration as stored (a changed registration is a new
// instance), so what its metadata says can be kept per instance: metadata() maps every key
const apiOfClient = new WeakMap<Client, unknown>();
function resourceServerApiOf(client: Client): unknown {
  if (!apiOfClient.has(client)) apiOfClient.set(client, client.metadata()['resource_server_api']);
  return apiOfClient.get(client);
}

export async function allowedToIntrospect(
  provider: Provider,
  registry: ApiRegistry,
  client: Client,
  token: { clientId?: string | undefined; aud?: unknown },
): Promise<boolean> {
  const caller = { clientId: client.clientId, resourceServerApi: resourceServerApiOf(client) };
  if (!mayIntrospect(registry, caller, token)) return false;
  if (token.clientId === client.clientId) return true;
  return token.clientId !== undefined && (await provider.Client.find(token.clientId)) !== undefined;
}

/** oidc-provider's features, each switched on here with the policy Valtuus gives it. */
export function providerFeatures(config: Config, registry: ApiRegistry, resourceIndicators: ResourceIndicators): Features {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // a client sees its own tokens; an API's own client sees the tokens meant for it, while
      // their client is registered: `client delete` ends its tokens (README "Admin CLI")
      async allowedPolicy(ctx, client, token) {
        return allowedToIntrospect(ctx.oidc.provider, registry, client, {
          clientId: token.clientId,
          aud: 'aud' in token ? token.aud : undefined,
        });
      },
    },
    revocation: {
      enabled: true,
      async allowedPolicy(_ctx, client, token) {
        if (token.clientId !== client.clientId) {
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        }
        return true;
      },
    },
    resourceIndicators,
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: false },
    dPoP: { enabled: true, nonceSecret: config.dpopNonceSecret },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    // clients of high APIs follow the FAPI 2.0 Security Profile; the rest plain OAuth 2.0
    fapi: {
      enabled: true,
      profile: (_ctx: KoaContextWithOIDC, client?: { scope?: string | undefined }) =>
        client && registry.isHighClient(client.scope) ? '2.0' : undefined,
    },
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    richAuthorizationRequests: richAuthorizationRequestsFeature(registry),
    ...registrationFeatures(config, registry),
  };
}
