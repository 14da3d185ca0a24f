import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import type { Config } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import type { ApiRegistry } from './registry.ts';
import { OIDC_SCOPES, resourceIndicatorsFeature, type ResourceIndicators } from './resources.ts';
import { renderErrorPage } from './error_page.ts';
import { attributeTokenClaims, authorizationAttributeParams } from './attributes.ts';

export interface ProviderHooks {
  findAccount?: Configuration['findAccount'];
  loadExistingGrant?: Configuration['loadExistingGrant'];
  interactionPolicy?: NonNullable<Configuration['interactions']>['policy'];
  acrValues?: Configuration['acrValues'];
}

// Asymmetric only: a stored client secret is a digest, so nothing may be keyed by it.
const SIGNING_ALGS = ['PS256', 'ES256', 'RS256', 'EdDSA'];
const FALLBACK_REFRESH_TTL = 14 * 24 * 3600; // refresh tokens outside any API (OpenID-only grants)

interface TokenLike {
  resourceServer?: { accessTokenTTL?: number };
  resource?: string | string[];
  iiat?: number;
  isSenderConstrained?: () => boolean;
}

function firstResource(token: TokenLike): string | undefined {
  return Array.isArray(token.resource) ? token.resource[0] : token.resource;
}

/** JWT access tokens are signed with the first key of JWKS, in the algorithm its type suits. */
export function jwtSigningAlg(config: Config): string {
  const first = config.jwks.keys[0];
  if (first?.alg) return first.alg;
  if (first?.kty === 'EC') return 'ES256';
  if (first?.kty === 'OKP') return 'EdDSA';
  return 'PS256';
}

interface ClientMetadataLike {
  grant_types?: string[];
  response_types?: string[];
  scope?: string;
}

/** implicit and password only with the client's legacy flag, and never with a high API's scope. */
function assertLegacyGrants(registry: ApiRegistry, flag: unknown, metadata: ClientMetadataLike): void {
  const legacy = (metadata.grant_types ?? []).filter((g) => g === 'implicit' || g === 'password');
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
function apiList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function buildProviderConfiguration(
  config: Config,
  store: Store,
  registry: ApiRegistry,
  hooks: ProviderHooks = {},
  // one instance for the provider and the grants Valtuus registers itself
  resourceIndicators: ResourceIndicators = resourceIndicatorsFeature(registry, jwtSigningAlg(config)),
): Configuration {
  const longestRefresh = Math.max(...registry.apis.map((a) => a.refreshTokenTtl), FALLBACK_REFRESH_TTL);

  // Refresh tokens keep the lifetime of the consent: a chain ends refreshTokenTtl after it began.
  // ...and never outlives the grant it stands on, so refresh_token_expires_in tells the truth
  function refreshTokenTtl(ctx: KoaContextWithOIDC | undefined, token: TokenLike): number {
    const resource = firstResource(token);
    const ttl = (resource && registry.byResource(resource)?.refreshTokenTtl) || FALLBACK_REFRESH_TTL;
    const start = token.iiat ?? nowSeconds();
    const grantExp = (ctx?.oidc?.entities?.Grant as { exp?: number } | undefined)?.exp;
    const end = Math.min(start + ttl, grantExp ?? Infinity);
    return Math.max(1, end - nowSeconds());
  }

  return {
    adapter: store.adapter as unknown as Configuration['adapter'],
    clients: [],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    cookies: {
      keys: [...config.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    jwks: { keys: config.jwks.keys.map((k) => ({ ...k })) } as Configuration['jwks'],
    // API scopes are listed too: client metadata may only name scopes the server knows
    scopes: [...OIDC_SCOPES, ...registry.apis.flatMap((api) => api.scopes.map((s) => s.name))],
    // acr, amr and auth_time say how and when the customer authenticated (OIDC Core §2)
    claims: { openid: ['sub', 'auth_time', 'acr', 'amr'] },
    pkce: { required: () => true },
    // 'id_token token' is the legacy implicit grant: only clients with the legacy flag may register it
    responseTypes: ['code', 'id_token token'],
    allowOmittingSingleRegisteredRedirectUri: false,
    conformIdTokenClaims: true,
    enabledJWA: {
      clientAuthSigningAlgValues: SIGNING_ALGS,
      idTokenSigningAlgValues: SIGNING_ALGS,
      requestObjectSigningAlgValues: SIGNING_ALGS,
      userinfoSigningAlgValues: SIGNING_ALGS,
      introspectionSigningAlgValues: SIGNING_ALGS,
      authorizationSigningAlgValues: SIGNING_ALGS,
      dPoPSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
    } as Configuration['enabledJWA'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // a client sees its own tokens; an API's own client sees the tokens meant for it
        async allowedPolicy(_ctx, client, token) {
          if (token.clientId === client.clientId) return true;
          const apiIds = apiList((client as unknown as { resource_server_api?: unknown })['resource_server_api']);
          const aud = (token as unknown as { aud?: string }).aud;
          return apiIds.some((id) => registry.byId(id)?.resource === aud);
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
      resourceIndicators: resourceIndicators as unknown as NonNullable<Configuration['features']>['resourceIndicators'],
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      dPoP: { enabled: true, nonceSecret: config.dpopNonceSecret },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // clients of high APIs follow the FAPI 2.0 Security Profile; the rest plain OAuth 2.0
      fapi: {
        enabled: true,
        profile: (_ctx: KoaContextWithOIDC, client?: { scope?: string }) =>
          client && registry.isHighClient(client.scope) ? '2.0' : undefined,
      },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
    },
    extraClientMetadata: {
      properties: ['resource_server_api', 'legacy_grants'],
      // runs whenever a client is loaded, so a stored record cannot switch on what the levels forbid
      validator(_ctx, key, value, metadata) {
        if (key === 'legacy_grants') return assertLegacyGrants(registry, value, metadata as ClientMetadataLike);
        if (key !== 'resource_server_api' || value === undefined) return undefined;
        const ids = apiList(value);
        if (!ids.length || ids.some((id) => !registry.byId(id))) {
          throw new errors.InvalidClientMetadata(
            `resource_server_api must name APIs of the registry: a list, or a string separated by commas (got "${String(value)}")`,
          );
        }
        return undefined;
      },
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 600,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 600,
      AuthorizationCode: 60, // RFC 9700 §4.2.1 and FAPI 2.0: short-lived, single use
      IdToken: 300,
      Interaction: 900,
      Session: 3600,
      Grant: longestRefresh,
      RefreshToken: refreshTokenTtl as unknown as NonNullable<Configuration['ttl']>['RefreshToken'],
    },
    // refresh tokens go to every client allowed the grant; offline_access is not required
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    // sender-constrained (DPoP) refresh tokens are not rotated (FAPI 2.0 §5.3.2.1)
    rotateRefreshToken(ctx) {
      const token = ctx.oidc.entities.RefreshToken as unknown as TokenLike | undefined;
      return !token?.isSenderConstrained?.();
    },
    // tokens outlive the browser session that led to them
    async expiresWithSession() {
      return false;
    },
    interactions: {
      ...(hooks.interactionPolicy ? { policy: hooks.interactionPolicy } : {}),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    ...(hooks.acrValues ? { acrValues: hooks.acrValues } : {}),
    ...(hooks.findAccount ? { findAccount: hooks.findAccount } : { findAccount: async () => undefined }),
    ...(hooks.loadExistingGrant ? { loadExistingGrant: hooks.loadExistingGrant } : {}),
    renderError: renderErrorPage,
    // browsers may call the token endpoint cross-origin only for public clients, from their own origins
    clientBasedCORS(_ctx, origin, client) {
      if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
      return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
    },
    // the extra attributes APIs require: checked in the authorization request, carried into tokens
    extraParams: authorizationAttributeParams(registry) as unknown as Configuration['extraParams'],
    extraTokenClaims: attributeTokenClaims(registry, store) as unknown as Configuration['extraTokenClaims'],
  };
}
