import { decodeJwt } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import type { AdapterPayload } from '../../adapters/types.ts';
import { jwksUriProblems, responseTypesFor, usesSecret } from '../policy/client_metadata.ts';
import { applyLevelPolicy } from '../policy/registration.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import type { SoftwareStatementVerifier } from './software_statement.ts';
import { statementMetadata } from './software_statement.ts';

/** The policy every initial access token carries: Valtuus' registration rules (oidc-provider `features.registration.policies`). */
export const REGISTRATION_POLICY = 'valtuus-registration';
const BINDING_PREFIX = 'api:';

/** A token bound to an API carries one such policy per API; the registration policy reads them. */
export const apiBindingPolicy = (apiId: string): string => `${BINDING_PREFIX}${apiId}`;

export function boundApiIds(policies: readonly string[] | undefined): string[] {
  return (policies ?? []).filter((p) => p.startsWith(BINDING_PREFIX)).map((p) => p.slice(BINDING_PREFIX.length));
}

// metadata only an operator may set: an introspection right, and the legacy grants
const OPERATOR_ONLY = ['resource_server_api', 'legacy_grants'];

interface PolicyHolder {
  policies?: string[];
}

type Ctx = KoaContextWithOIDC;

/** Claims of the statement win over the request's (RFC 7591 §2.3); an update keeps the statement it was registered with. */
async function applySoftwareStatement(ctx: Ctx, properties: AdapterPayload, verify: SoftwareStatementVerifier): Promise<void> {
  const presented = properties.software_statement;
  if (presented !== undefined) {
    Object.assign(properties, await verify(presented), { software_statement: presented });
    return;
  }
  const registered = (ctx.oidc.client as { software_statement?: unknown } | undefined)?.software_statement;
  if (ctx.oidc.route === 'client_update' && typeof registered === 'string') {
    // verified when the client was registered; its directory may have rotated keys since
    Object.assign(properties, statementMetadata(decodeJwt(registered)), { software_statement: registered });
  }
}

function assertBinding(ctx: Ctx, registry: ApiRegistry, properties: AdapterPayload): void {
  const holder = (ctx.oidc.entities.InitialAccessToken ?? ctx.oidc.entities.RegistrationAccessToken) as PolicyHolder | undefined;
  const bound = boundApiIds(holder?.policies);
  if (!bound.length) return;
  const scopes = String(properties.scope ?? '').split(' ');
  const outside = [...registry.apisOf(scopes)].filter((api) => !bound.includes(api.id));
  if (outside.length) {
    throw new errors.InvalidClientMetadata(
      `this initial access token registers clients of the ${bound.join(', ')} API only, not of ${outside.map((a) => registry.describe(a)).join(', ')}`,
    );
  }
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** The shapes the level rules read, checked before they read them (oidc-provider checks the rest after). */
function assertShapes(properties: AdapterPayload): void {
  const wrong = [
    ['grant_types', isStringList],
    ['response_types', isStringList],
    ['redirect_uris', isStringList],
    ['scope', (v: unknown) => typeof v === 'string'],
    ['token_endpoint_auth_method', (v: unknown) => typeof v === 'string'],
  ].filter(([key, ok]) => properties[key as string] !== undefined && !(ok as (v: unknown) => boolean)(properties[key as string]));
  if (wrong.length) {
    throw new errors.InvalidClientMetadata(
      `${wrong.map(([key]) => key).join(', ')}: wrong type (RFC 7591 §2: lists of strings, or a string)`,
    );
  }
}

/** What RFC 7591 §2 defaults to, made explicit so that the level rules see what will be stored. */
function withDefaults(properties: AdapterPayload): void {
  properties.grant_types ??= ['authorization_code'];
  properties.response_types ??= responseTypesFor(properties.grant_types as string[]);
  properties.token_endpoint_auth_method ??= 'client_secret_basic';
}

/**
 * The registration policy (RFC 7591 §3, RFC 7592 §2.2): the software statement, the token's
 * API binding, then the same level rules as the admin CLI's. A client the rules forbid is never stored.
 */
export function registrationPolicy(registry: ApiRegistry, verify: SoftwareStatementVerifier, production: boolean) {
  return async function valtuusRegistrationPolicy(ctx: Ctx, properties: AdapterPayload): Promise<void> {
    const operatorOnly = OPERATOR_ONLY.filter((key) => properties[key] !== undefined);
    if (operatorOnly.length) throw new errors.InvalidClientMetadata(`${operatorOnly.join(', ')} can be set by the bank's operators only`);
    await applySoftwareStatement(ctx, properties, verify);
    assertShapes(properties);
    assertBinding(ctx, registry, properties);
    withDefaults(properties);
    const { problems, implied } = applyLevelPolicy(registry, properties, false);
    problems.push(...jwksUriProblems(properties.jwks_uri, production));
    if (problems.length) throw new errors.InvalidClientMetadata(`refused by the API security levels: ${problems.join('; ')}`);
    Object.assign(properties, implied);
    if (!usesSecret(String(properties.token_endpoint_auth_method))) {
      delete properties.client_secret;
      delete properties.client_secret_expires_at;
    }
  };
}
