import type { Configuration } from 'oidc-provider';

import { LOCALES, type Config } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { assertClientAssertion } from '../clients/assertions.ts';
import { INTERACTION_LIFETIME } from '../ops/limits.ts';
import { detailsTypesTaken, isSingleUse } from '../policy/authorization_details.ts';
import { attributeTokenClaims, authorizationAttributeParams } from '../policy/attributes.ts';
import type { ResourceIndicators } from '../policy/enforcement.ts';
import { EXTRA_CLIENT_METADATA, defaultIdTokenAlg, validateExtraClientMetadata } from '../policy/registration.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { OIDC_SCOPES } from '../policy/scopes.ts';
import { longestRefreshTtl, refreshTokenTtl, rotateUnlessSenderConstrained } from '../token/refresh.ts';
import { clientDocumentFetch } from './client_fetch.ts';
import { providerFeatures } from './features.ts';
import { recordJwtAccessTokens } from './jwt_access_tokens.ts';

export interface ProviderHooks {
  findAccount?: Configuration['findAccount'];
  loadExistingGrant?: Configuration['loadExistingGrant'];
  interactionPolicy?: NonNullable<Configuration['interactions']>['policy'];
  acrValues?: Configuration['acrValues'];
  /** the error page for people (pages/error_page.ts), in their language */
  renderError?: Configuration['renderError'];
  /** decoupled approval (CIBA Core 1.0), built in server/approval/ */
  ciba?: NonNullable<Configuration['features']>['ciba'];
  /** outgoing requests (CIBA pings, jwks_uri); tests point it at their own TLS trust */
  fetch?: Configuration['fetch'];
}

// Asymmetric only: a stored client secret is a digest, so nothing may be keyed by it.
const SIGNING_ALGS = ['PS256', 'ES256', 'RS256', 'EdDSA'] as const;
const DPOP_ALGS = ['ES256', 'PS256', 'EdDSA'] as const;
const REGISTRATION_ACCESS_TOKEN_TTL = 365 * 24 * 3600; // stored objects all expire (README "Storage")

/** oidc-provider's configuration only: the product rules it applies come from policy/ and token/. */
export function buildProviderConfiguration(
  config: Config,
  store: Store,
  registry: ApiRegistry,
  hooks: ProviderHooks,
  resourceIndicators: ResourceIndicators,
): Configuration {
  const validateMetadata = validateExtraClientMetadata(registry);
  return {
    adapter: store.adapter,
    clients: [],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: defaultIdTokenAlg(config.jwks.keys),
      // RFC 9396 §10: a client that names no types may use those of the APIs its scopes belong to (policy/authorization_details.ts)
      authorization_details_types: detailsTypesTaken(registry),
    },
    cookies: {
      keys: [...config.cookieKeys],
      // Secure in production, where every request arrived over TLS (README "Transport")
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: config.env === 'production' },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: config.env === 'production' },
    },
    jwks: { keys: config.jwks.keys.map((k) => ({ ...k })) },
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
      clientAuthSigningAlgValues: [...SIGNING_ALGS],
      idTokenSigningAlgValues: [...SIGNING_ALGS],
      requestObjectSigningAlgValues: [...SIGNING_ALGS],
      userinfoSigningAlgValues: [...SIGNING_ALGS],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      dPoPSigningAlgValues: [...DPOP_ALGS],
    },
    features: { ...providerFeatures(config, registry, resourceIndicators), ...(hooks.ciba ? { ciba: hooks.ciba } : {}) },
    // the pages' languages (OIDC Discovery §3; ui_locales, OIDC Core §3.1.2.1)
    discovery: { ui_locales_supported: [...LOCALES] },
    ...clientDocumentFetch(config.env),
    // JWT access tokens are recorded, so they can be introspected, revoked and used at userinfo
    formats: { customizers: { jwt: recordJwtAccessTokens(store) } },
    extraClientMetadata: {
      properties: EXTRA_CLIENT_METADATA,
      validator: (_ctx, key, value, metadata) => validateMetadata(key, value, metadata),
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 600,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 600,
      AuthorizationCode: 60, // RFC 9700 §4.2.1 and FAPI 2.0: short-lived, single use
      IdToken: 300,
      // an anonymous request that never reaches the login form is kept briefly (README "Operations")
      Interaction: (_ctx, interaction) =>
        interaction.prompt.name === 'login' ? INTERACTION_LIFETIME.untilLoginForm : INTERACTION_LIFETIME.full,
      Session: 3600,
      Grant: longestRefreshTtl(registry),
      RefreshToken: refreshTokenTtl(registry),
      // CIBA Core §7.1: requested_expiry may shorten the wait, never lengthen it past CIBA_MAX_EXPIRY
      BackchannelAuthenticationRequest: (ctx) => {
        const asked = Number(ctx?.oidc?.params?.requested_expiry);
        return Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, config.ciba.maxExpiry) : config.ciba.maxExpiry;
      },
      // renewed whenever the client updates its registration (rotation, RFC 7592 §2.2)
      RegistrationAccessToken: REGISTRATION_ACCESS_TOKEN_TTL,
    },
    // refresh tokens go to every client allowed the grant; offline_access is not required.
    // A payment is authorized once: its authorization is never refreshed (README "Payments").
    async issueRefreshToken(_ctx, client, source) {
      return client.grantTypeAllowed('refresh_token') && !isSingleUse(source.rar);
    },
    rotateRefreshToken: rotateUnlessSenderConstrained,
    // tokens outlive the browser session that led to them
    async expiresWithSession() {
      return false;
    },
    interactions: {
      ...(hooks.interactionPolicy ? { policy: hooks.interactionPolicy } : {}),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    ...(hooks.acrValues ? { acrValues: hooks.acrValues } : {}),
    findAccount: hooks.findAccount ?? (async () => undefined),
    ...(hooks.loadExistingGrant ? { loadExistingGrant: hooks.loadExistingGrant } : {}),
    ...(hooks.renderError ? { renderError: hooks.renderError } : {}),
    ...(hooks.fetch ? { fetch: hooks.fetch } : {}),
    assertJwtClientAuthClaimsAndHeader: assertClientAssertion(config.issuer),
    // browsers may call the token endpoint cross-origin only for public clients, from their own origins
    clientBasedCORS(_ctx, origin, client) {
      if (origin === 'null' || client.clientAuthMethod !== 'none') return false;
      return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
    },
    // the extra attributes APIs require: checked in the authorization request, carried into tokens
    extraParams: authorizationAttributeParams(registry),
    extraTokenClaims: attributeTokenClaims(registry, store),
  };
}
