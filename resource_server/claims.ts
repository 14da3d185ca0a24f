import { digestKey } from './cache.ts';
import { invalidToken } from './errors.ts';
import type { AuthorizationDetail, VerifiedToken } from './types.ts';

type Claims = Record<string, unknown>;

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

function boundThumbprint(cnf: unknown): string | undefined {
  const jkt = cnf && typeof cnf === 'object' ? (cnf as { jkt?: unknown }).jkt : undefined;
  return typeof jkt === 'string' ? jkt : undefined;
}

function isDetail(value: unknown): value is AuthorizationDetail {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** RFC 9396 §9: an array of objects with a string `type`; anything else is no details at all. */
function authorizationDetails(value: unknown): AuthorizationDetail[] {
  if (!Array.isArray(value) || !value.every(isDetail)) return [];
  return value.map((detail) => Object.freeze({ ...detail }));
}

/** The common shape of an introspection response and a JWT access token's claims. */
export function toVerifiedToken(format: VerifiedToken['format'], claims: Claims, token: string): VerifiedToken {
  if (typeof claims.client_id !== 'string') throw invalidToken('the access token names no client');
  if (typeof claims.exp !== 'number') throw invalidToken('the access token has no expiry');
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  return {
    format,
    id: typeof claims.jti === 'string' ? claims.jti : digestKey(token),
    sub: typeof claims.sub === 'string' ? claims.sub : undefined,
    client_id: claims.client_id,
    scope,
    scopes: scope.split(' ').filter(Boolean),
    aud: audiences(claims.aud),
    exp: claims.exp,
    jkt: boundThumbprint(claims.cnf),
    authorizationDetails: Object.freeze(authorizationDetails(claims.authorization_details)),
    claims: Object.freeze({ ...claims }),
  };
}
