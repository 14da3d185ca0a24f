import { readFile } from 'node:fs/promises';

import { AUTH_METHODS, type AuthMethod } from '../clients/auth_methods.ts';
import type { ClientChanges } from '../clients/client_input.ts';
import { TOKEN_RESPONSE_PROFILES, type TokenResponseProfile } from '../policy/token_response_profiles.ts';
import type { CommandContext } from './commands.ts';

type OptionSpec = { type: 'string' | 'boolean' };

/** The options `client create` and `client update` share (README "Admin CLI"). */
export const CLIENT_OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string' },
  'grant-types': { type: 'string' },
  'redirect-uris': { type: 'string' },
  scope: { type: 'string' },
  'auth-method': { type: 'string' },
  'jwks-uri': { type: 'string' },
  jwks: { type: 'string' },
  'token-response-profile': { type: 'string' },
  'logo-uri': { type: 'string' },
  'client-uri': { type: 'string' },
  'policy-uri': { type: 'string' },
  'tos-uri': { type: 'string' },
  contacts: { type: 'string' },
};

export const CLIENT_USAGE =
  '[--redirect-uris u1,u2] [--scope "s1 s2"] [--auth-method M] [--jwks-uri URL | --jwks FILE|-] [--token-response-profile default|apigee] [--logo-uri URL] [--client-uri URL] [--policy-uri URL] [--tos-uri URL] [--contacts a@b,c@d]';

export const list = (value: string | undefined): string[] =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${option} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** `--jwks FILE` or `--jwks -` (stdin): the client's public keys, inline (RFC 7591 §2 `jwks`). */
async function readJwks(source: string, ctx: CommandContext): Promise<{ keys: object[] }> {
  const text = source === '-' ? await ctx.readStdin() : await readFile(source, 'utf8').catch(() => undefined);
  if (text === undefined) throw new Error(`--jwks: cannot read ${source}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('--jwks: not valid JSON');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || !keys.length || !keys.every((k) => typeof k === 'object' && k !== null && 'kty' in k)) {
    throw new Error('--jwks must be a JWK Set of public keys: {"keys": [...]}');
  }
  if (keys.some((k) => 'd' in k)) throw new Error('--jwks holds a private key: give the public keys only');
  return { keys };
}

/** The options given, as changes to a registration; options not given are left out. */
export async function clientChanges(ctx: CommandContext): Promise<ClientChanges> {
  const v = ctx.values as Record<string, string | undefined>;
  const method: AuthMethod | undefined = oneOf('auth-method', v['auth-method'], AUTH_METHODS);
  const profile: TokenResponseProfile | undefined = oneOf('token-response-profile', v['token-response-profile'], TOKEN_RESPONSE_PROFILES);
  if (v.jwks !== undefined && v['jwks-uri'] !== undefined) throw new Error('give either --jwks or --jwks-uri, not both');
  const changes: { [K in keyof ClientChanges]: ClientChanges[K] | undefined } = {
    name: v.name,
    grantTypes: v['grant-types'] === undefined ? undefined : list(v['grant-types']),
    redirectUris: v['redirect-uris'] === undefined ? undefined : list(v['redirect-uris']),
    scope: v.scope === undefined ? undefined : v.scope.trim().split(/\s+/).join(' '),
    authMethod: method,
    jwksUri: v['jwks-uri'],
    jwks: v.jwks === undefined ? undefined : await readJwks(v.jwks, ctx),
    tokenResponseProfile: profile,
    logoUri: v['logo-uri'],
    clientUri: v['client-uri'],
    policyUri: v['policy-uri'],
    tosUri: v['tos-uri'],
    contacts: v.contacts === undefined ? undefined : list(v.contacts),
  };
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as ClientChanges;
}
