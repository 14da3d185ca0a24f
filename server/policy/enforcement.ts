import { errors, type Client, type Configuration, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';

import type { ApiDefinition } from '../../config/index.ts';
import { apiTokenScopes } from './api_tokens.ts';
import { assertTokenAttributes } from './attributes.ts';
import { CIBA_GRANT, checkLevel } from './levels.ts';
import type { ApiRegistry } from './registry.ts';
import { singleResource } from './resource_indicator.ts';
import { isOidcScope, scopeList } from './scopes.ts';

type Ctx = KoaContextWithOIDC;
type ClientLike = Pick<Client, 'clientId' | 'scope' | 'clientAuthMethod'>;
type ResourceIndicatorsFeature = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

function requestedScopes(ctx: Ctx): string[] {
  return scopeList(ctx.oidc.params?.scope);
}

function assertKnownScopes(registry: ApiRegistry, scopes: string[]): void {
  const unknown = scopes.filter((s) => !isOidcScope(s) && !registry.byScope(s));
  if (unknown.length) {
    throw new errors.InvalidScope(`unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(' ')}`, unknown.join(' '));
  }
}

function assertClientMayRequest(client: ClientLike, scopes: string[]): void {
  const allowed = new Set(client.scope?.split(' ') ?? []);
  const refused = scopes.filter((s) => !isOidcScope(s) && !allowed.has(s));
  if (refused.length) {
    throw new errors.InvalidScope(
      `this client is not registered for scope${refused.length > 1 ? 's' : ''}: ${refused.join(' ')}`,
      refused.join(' '),
    );
  }
}

/** A client sending no scope with client credentials gets its registered scopes, when they name one API. */
function defaultClientCredentialsScope(ctx: Ctx, registry: ApiRegistry, client: ClientLike): string[] {
  const registered = (client.scope?.split(' ') ?? []).filter((s) => registry.byScope(s)?.level === 'low');
  const apis = registry.apisOf(registered);
  if (apis.size !== 1) {
    throw new errors.InvalidScope('scope is required: name the scopes of one API', '');
  }
  (ctx.oidc.params as Record<string, unknown>).scope = registered.join(' ');
  return registered;
}

function singleApi(registry: ApiRegistry, scopes: string[]): ApiDefinition | undefined {
  const apis = [...registry.apisOf(scopes)];
  if (apis.length > 1) {
    throw new errors.InvalidScope(
      `scopes of more than one API were requested (${apis.map((a) => a.id).join(', ')}); request one API at a time`,
      scopes.join(' '),
    );
  }
  return apis[0];
}

function checkScopesAgainst(registry: ApiRegistry, api: ApiDefinition, scopes: string[]): void {
  const foreign = scopes.filter((s) => !isOidcScope(s) && registry.byScope(s) !== api);
  if (foreign.length) {
    throw new errors.InvalidScope(
      `scope${foreign.length > 1 ? 's' : ''} ${foreign.join(' ')} not offered by ${registry.describe(api)}`,
      foreign.join(' '),
    );
  }
}

function isClientCredentials(ctx: Ctx): boolean {
  return ctx.oidc.route === 'token' && (ctx.oidc.params as { grant_type?: unknown }).grant_type === 'client_credentials';
}

/** The level table (policy/levels.ts), enforced for every grant at the authorization, PAR and token endpoints. */
function enforceLevel(ctx: Ctx, api: ApiDefinition, client: ClientLike): void {
  const params = ctx.oidc.params as { grant_type?: string; response_type?: string };
  const refusal = checkLevel(api, {
    endpoint: ctx.oidc.route,
    // a backchannel authentication request is the first half of the CIBA grant
    grant: ctx.oidc.route === 'token' ? params.grant_type : ctx.oidc.route === 'backchannel_authentication' ? CIBA_GRANT : undefined,
    responseType: params.response_type,
    authMethod: client.clientAuthMethod,
    pushed: Boolean(ctx.oidc.entities.PushedAuthorizationRequest),
    dpop: Boolean(ctx.get('dpop')),
  });
  if (!refusal) return;
  throw refusal.error === 'unauthorized_client'
    ? new errors.UnauthorizedClient(refusal.description)
    : new errors.InvalidRequest(refusal.description);
}

/**
 * oidc-provider's resource indicator hooks (RFC 8707), driven by the API registry. Out of the
 * box unknown scopes are silently dropped; here they are refused, and a request that names
 * only scopes is resolved to the one API those scopes belong to.
 */
type Hook<K extends keyof ResourceIndicatorsFeature> = NonNullable<ResourceIndicatorsFeature[K]>;
export interface ResourceIndicators {
  enabled: true;
  defaultResource: Hook<'defaultResource'>;
  getResourceServerInfo: Hook<'getResourceServerInfo'>;
  useGrantedResource: Hook<'useGrantedResource'>;
}

/** `jwtAlg` names the signing algorithm of each API's JWT access tokens (api_tokens.ts). */
export function resourceIndicatorsFeature(registry: ApiRegistry, jwtAlg: (api: ApiDefinition) => string): ResourceIndicators {
  return {
    enabled: true,

    async defaultResource(ctx: Ctx, client: ClientLike, oneOf?: readonly string[]): Promise<string | readonly string[] | undefined> {
      let scopes = requestedScopes(ctx);
      if (!scopes.length && isClientCredentials(ctx)) scopes = defaultClientCredentialsScope(ctx, registry, client);
      assertKnownScopes(registry, scopes);
      assertClientMayRequest(client, scopes);
      const api = singleApi(registry, scopes);
      if (api) return api.resource;
      return oneOf;
    },

    async getResourceServerInfo(ctx: Ctx, resourceIndicator: string, client: ClientLike): Promise<ResourceServer> {
      singleResource(ctx.oidc.params?.resource); // a list names several APIs: refused before any is served
      const api = registry.byResource(resourceIndicator);
      if (!api) throw new errors.InvalidTarget(`unknown resource indicator: ${resourceIndicator}`);
      if (['token', 'authorization', 'pushed_authorization_request', 'backchannel_authentication'].includes(ctx.oidc.route)) {
        const scopes = requestedScopes(ctx);
        assertKnownScopes(registry, scopes);
        assertClientMayRequest(client, scopes);
        checkScopesAgainst(registry, api, scopes);
      }
      enforceLevel(ctx, api, client);
      if (ctx.oidc.route === 'token') assertTokenAttributes(ctx, api);
      return {
        scope: apiTokenScopes(api, !isClientCredentials(ctx)),
        audience: api.resource,
        accessTokenTTL: api.accessTokenTtl,
        accessTokenFormat: api.tokenFormat,
        ...(api.tokenFormat === 'jwt' ? { jwt: { sign: { alg: jwtAlg(api) as 'RS256' } } } : {}),
      };
    },

    // A grant that names an API keeps giving tokens for that API, even with `openid` in scope.
    async useGrantedResource(_ctx: Ctx, model: { resource?: string | string[] | undefined }): Promise<boolean> {
      return Boolean(model.resource);
    },
  };
}
