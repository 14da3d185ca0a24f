import { BlockList, isIP } from 'node:net';

import { errors } from 'oidc-provider';

import { TOKEN_RESPONSE_PROFILES } from './token_response_profiles.ts';

export { TOKEN_RESPONSE_PROFILES, type TokenResponseProfile } from './token_response_profiles.ts';

/** Client metadata of RFC 7591 §2 and §2.3 that oidc-provider does not know itself, kept as registered. */
export const SOFTWARE_METADATA = ['software_statement', 'software_id', 'software_version', 'org_id', 'software_roles'] as const;

export const usesSecret = (method: string): boolean => method === 'client_secret_basic' || method === 'client_secret_post';

export function responseTypesFor(grantTypes: readonly string[]): string[] {
  return [...(grantTypes.includes('authorization_code') ? ['code'] : []), ...(grantTypes.includes('implicit') ? ['id_token token'] : [])];
}

export function assertTokenResponseProfile(value: unknown, highClient: boolean): void {
  if (value === undefined) return;
  if (!(TOKEN_RESPONSE_PROFILES as readonly unknown[]).includes(value)) {
    throw new errors.InvalidClientMetadata(`token_response_profile must be one of ${TOKEN_RESPONSE_PROFILES.join(', ')}`);
  }
  if (value === 'apigee' && highClient) {
    throw new errors.InvalidClientMetadata('token_response_profile apigee is never offered to a client of a high API');
  }
}

export function assertSoftwareMetadata(key: string, value: unknown): void {
  if (value === undefined) return;
  const ok = key === 'software_roles' ? Array.isArray(value) && value.every((v) => typeof v === 'string') : typeof value === 'string';
  if (!ok) throw new errors.InvalidClientMetadata(`${key} must be ${key === 'software_roles' ? 'a list of strings' : 'a string'}`);
}

// loopback, private, link-local and unspecified addresses (RFC 1918, RFC 4193, RFC 6890)
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 0) return false;
  return PRIVATE.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A jwks_uri the server fetches keys from. In production it must be public https: a loopback
 * or private address would let a registration point the server at the bank's own network.
 * Development and tests may use loopback (README "Registering clients").
 */
export function jwksUriProblems(jwksUri: unknown, production: boolean): string[] {
  if (jwksUri === undefined) return [];
  const url = typeof jwksUri === 'string' ? URL.parse(jwksUri) : null;
  if (!url || !['https:', 'http:'].includes(url.protocol)) return ['jwks_uri must be an absolute https:// URL'];
  if (!production) return [];
  if (isPrivateHost(url.hostname)) {
    return [
      `jwks_uri ${url.host} is a loopback or private address: the server fetches keys only from public addresses in production (so that a registration cannot reach the bank's own network); publish the keys at a public https:// URL or register them inline (--jwks, or jwks)`,
    ];
  }
  return url.protocol === 'https:' ? [] : ['jwks_uri must be an https:// URL in production'];
}
