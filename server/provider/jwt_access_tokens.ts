import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { AccessToken, ClientCredentials, Configuration, KoaContextWithOIDC } from 'oidc-provider';

import type { ApiDefinition, Config, Jwk } from '../../config/index.ts';
import { JWT_ACCESS_TOKEN_ALGS } from '../../config/apis.ts';
import type { Store } from '../../adapters/types.ts';
import { jwtAccessTokenAlg, jwtAlgProblems } from '../policy/api_tokens.ts';

/*
 * oidc-provider keeps no record of a JWT access token: it cannot be introspected, revoked or
 * used at userinfo. Valtuus records each one when it is signed, under its `jti` in the
 * model's own key, marked `format: 'jwt'` (which oidc-provider refuses to load as an opaque
 * token, so a `jti` is never a bearer token), with the grant it stands on: withdrawing the
 * grant or revoking the token deletes the record, and the token is inactive from then on
 * (RFC 7662 §2.2). docs/userinfo_and_api_tokens.md.
 */

type IssuedToken = AccessToken | ClientCredentials;
type Customizer = NonNullable<NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']>;
const KINDS = ['AccessToken', 'ClientCredentials'] as const;
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Each API's signing algorithm; refuses to start when JWKS has no key for a registry's choice. */
export function jwtAccessTokenAlgs(config: Config): (api: ApiDefinition) => string {
  const problems = jwtAlgProblems(config.apis, config.jwks.keys);
  if (problems.length) throw new Error(problems.join('; '));
  return (api) => jwtAccessTokenAlg(api, config.jwks.keys);
}

function payloadOf(token: IssuedToken, iat: unknown, exp: unknown): Record<string, unknown> {
  const fields = (token.constructor as { IN_PAYLOAD?: string[] }).IN_PAYLOAD ?? [];
  const record: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (token as unknown as Record<string, unknown>)[field];
    if (value !== undefined) record[field] = value;
  }
  return { ...record, iat, exp, format: 'jwt' };
}

/** oidc-provider's `formats.customizers.jwt`: the record is written before the token is handed out. */
export function recordJwtAccessTokens(store: Store): Customizer {
  return async function recordJwtAccessToken(_ctx: KoaContextWithOIDC, token: IssuedToken, { payload }): Promise<void> {
    const exp = Number(payload.exp);
    const ttl = Math.max(1, exp - Math.floor(Date.now() / 1000));
    await store.adapter(token.kind).upsert(String(payload.jti), payloadOf(token, payload.iat, exp), ttl);
  };
}

function publicKeys(keys: readonly Jwk[]): { keys: JWK[] } {
  return { keys: keys.map((key) => Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.includes(name)))) };
}

export interface FoundJwt {
  /** the record, as oidc-provider's model */
  token: IssuedToken;
  /** the verified claims of the JWT itself */
  claims: Record<string, unknown>;
}
export type FindJwtAccessToken = (value: string) => Promise<FoundJwt | undefined>;

type TokenModel = new (payload: Record<string, unknown>) => IssuedToken;

/** A JWT access token this server signed and still has a record of; else undefined. */
export function jwtAccessTokenFinder(provider: Provider, config: Config, store: Store): FindJwtAccessToken {
  const keys = createLocalJWKSet(publicKeys(config.jwks.keys));
  const options = { issuer: config.issuer, typ: 'at+jwt', algorithms: [...JWT_ACCESS_TOKEN_ALGS] };
  return async function findJwtAccessToken(value) {
    if (!JWS_COMPACT.test(value)) return undefined;
    const claims = await jwtVerify(value, keys, options).then(
      ({ payload }) => payload as Record<string, unknown>,
      () => undefined,
    );
    if (typeof claims?.jti !== 'string') return undefined;
    for (const kind of KINDS) {
      const stored = await store.adapter(kind).find(claims.jti);
      if (stored?.format !== 'jwt') continue;
      const token = new (provider[kind] as unknown as TokenModel)(stored);
      return token.isValid ? { token, claims } : undefined;
    }
    return undefined;
  };
}
