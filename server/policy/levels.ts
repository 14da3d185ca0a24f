import type { ApiDefinition, SecurityLevel } from '../../config/index.ts';

/** What each API security level requires: the one table, explained in README "APIs and scopes". */
export interface LevelRule {
  grants: readonly string[];
  authMethods: readonly string[];
  /** DPoP-bound tokens and pushed authorization requests (FAPI 2.0 Security Profile) */
  fapi2: boolean;
  /** implicit and password may be switched on per client */
  legacyAllowed: boolean;
  summary: string;
}

const SECRET_OR_KEY = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** CIBA Core 1.0 §4: the customer approves on another device. Not at `high`: FAPI-CIBA is not implemented. */
export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

export const LEVELS: Record<SecurityLevel, LevelRule> = {
  low: {
    grants: ['client_credentials', 'authorization_code', 'refresh_token', CIBA_GRANT],
    authMethods: SECRET_OR_KEY,
    fapi2: false,
    legacyAllowed: true,
    summary: 'client_credentials, authorization_code or CIBA, with client_secret_basic, client_secret_post or private_key_jwt',
  },
  substantial: {
    grants: ['authorization_code', 'refresh_token', CIBA_GRANT],
    authMethods: SECRET_OR_KEY,
    fapi2: false,
    legacyAllowed: true,
    summary:
      "the authorization_code or CIBA grant with the customer's consent, and client_secret_basic, client_secret_post or private_key_jwt",
  },
  high: {
    grants: ['authorization_code', 'refresh_token'],
    authMethods: ['private_key_jwt'],
    fapi2: true,
    legacyAllowed: false,
    summary:
      'the FAPI 2.0 Security Profile: the authorization_code grant through pushed authorization requests (PAR), private_key_jwt and DPoP-bound tokens',
  },
};

/** Grants off unless a client is registered with the legacy flag, and never for a level without `legacyAllowed`. */
export const LEGACY_GRANTS: readonly string[] = Object.freeze(['implicit', 'password']);

export function isLegacyGrant(grant: string): boolean {
  return LEGACY_GRANTS.includes(grant);
}

/** The one definition of "high": a level whose clients follow the FAPI 2.0 Security Profile. */
export function isFapi2(api: ApiDefinition): boolean {
  return LEVELS[api.level].fapi2;
}

export function describeLevel(api: ApiDefinition): string {
  return `the ${api.name} API (level ${api.level}) requires ${LEVELS[api.level].summary}`;
}

/** One request as the level table sees it. */
export interface LevelRequest {
  endpoint: 'authorization' | 'pushed_authorization_request' | 'token' | string;
  grant?: string | undefined;
  responseType?: string | undefined;
  authMethod?: string | undefined;
  /** the authorization request came through PAR */
  pushed?: boolean;
  /** the token request carries a DPoP proof */
  dpop?: boolean;
}

export type LevelRefusal = { error: 'unauthorized_client' | 'invalid_request'; description: string };

/** What the level table says of one request for an API: undefined when allowed, else the RFC 6749 §5.2 error. */
export function checkLevel(api: ApiDefinition, request: LevelRequest): LevelRefusal | undefined {
  const rule = LEVELS[api.level];
  const refuse = (error: LevelRefusal['error'], what: string): LevelRefusal => ({ error, description: `${what}: ${describeLevel(api)}` });
  const { endpoint, grant } = request;
  if (
    (endpoint === 'token' || endpoint === 'backchannel_authentication') &&
    grant &&
    grant !== 'refresh_token' &&
    !rule.grants.includes(grant) &&
    !(isLegacyGrant(grant) && rule.legacyAllowed)
  ) {
    return refuse('unauthorized_client', `grant ${grant} refused`);
  }
  const atAuthorization = endpoint === 'authorization' || endpoint === 'pushed_authorization_request';
  if (atAuthorization && request.responseType?.split(' ').includes('token') && !rule.legacyAllowed) {
    return refuse('unauthorized_client', 'the implicit grant is refused');
  }
  if (request.authMethod && !rule.authMethods.includes(request.authMethod)) {
    return refuse('unauthorized_client', `client authentication ${request.authMethod} refused`);
  }
  if (!rule.fapi2) return undefined;
  if (endpoint === 'authorization' && !request.pushed) return refuse('invalid_request', 'a pushed authorization request (PAR) is required');
  if (endpoint === 'token' && !request.dpop) return refuse('invalid_request', 'a DPoP proof is required');
  return undefined;
}
