import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import { compileAttributePattern } from '../../config/apis.ts';
import type { ApiDefinition } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import type { ApiRegistry } from './registry.ts';
import { singleResource } from './resource_indicator.ts';

type Attribute = ApiDefinition['extraAttributes'][number];
type Where = Attribute['where'];
export type AttributeValues = Record<string, string>;

const MODEL = 'GrantAttributes';

function attributesOf(api: ApiDefinition | undefined, where: Where): Attribute[] {
  return api ? api.extraAttributes.filter((a) => a.where === where) : [];
}

function resourceOf(ctx: KoaContextWithOIDC): string | undefined {
  return singleResource(ctx.oidc.params?.resource);
}

/** Missing or malformed is `invalid_request` naming the attribute and the API that needs it. */
function assertAttribute(api: ApiDefinition, attribute: Attribute, value: unknown): void {
  if (value === undefined || value === '') {
    throw new errors.InvalidRequest(
      `missing required parameter '${attribute.name}': the ${api.name} API requires it (${attribute.description})`,
    );
  }
  if (typeof value !== 'string' || !compileAttributePattern(attribute.pattern).test(value)) {
    throw new errors.InvalidRequest(`parameter '${attribute.name}' is malformed: the ${api.name} API expects ${attribute.description}`);
  }
}

/**
 * oidc-provider's `extraParams` for the authorization and PAR endpoints: every attribute any
 * API wants in the authorization request, each checked against the API the request is for.
 */
export function authorizationAttributeParams(registry: ApiRegistry) {
  const params: Record<string, (ctx: KoaContextWithOIDC, value: string | undefined) => void> = {};
  for (const api of registry.apis) {
    for (const attribute of attributesOf(api, 'authorization')) {
      params[attribute.name] = function checkAuthorizationAttribute(ctx, value) {
        const requested = registry.byResource(resourceOf(ctx) ?? '');
        const wanted = attributesOf(requested, 'authorization').find((a) => a.name === attribute.name);
        if (requested && wanted) assertAttribute(requested, wanted, value);
      };
    }
  }
  return params;
}

/** The names that the token endpoint must let through to the grant handlers. */
export function tokenAttributeNames(registry: ApiRegistry): string[] {
  return [...new Set(registry.apis.flatMap((api) => attributesOf(api, 'token').map((a) => a.name)))];
}

export function assertTokenAttributes(ctx: KoaContextWithOIDC, api: ApiDefinition): void {
  for (const attribute of attributesOf(api, 'token'))
    assertAttribute(api, attribute, (ctx.oidc.params as Record<string, unknown>)[attribute.name]);
}

/** The authorization attributes of a request, for the API it is for (shown at consent, kept with the grant). */
export function authorizationAttributeValues(
  registry: ApiRegistry,
  params: Record<string, unknown>,
): { attribute: Attribute; value: string }[] {
  const api = registry.byResource(singleResource(params.resource) ?? '');
  return attributesOf(api, 'authorization')
    .filter((a) => typeof params[a.name] === 'string')
    .map((attribute) => ({ attribute, value: params[attribute.name] as string }));
}

/** Authorization attributes live beside the grant they were consented with, and expire with it. */
export async function keepGrantAttributes(store: Store, grantId: string, values: AttributeValues, ttlSeconds: number): Promise<void> {
  if (Object.keys(values).length) await store.adapter(MODEL).upsert(grantId, values, Math.max(1, ttlSeconds));
}

interface TokenLike {
  grantId?: string | undefined;
  resourceServer?: { audience?: string | undefined } | undefined;
}

/**
 * `extraTokenClaims`: an API's attributes go into its tokens (introspection and JWT claims).
 * Only tokens of APIs that declare attributes cost a look-up.
 */
export function attributeTokenClaims(registry: ApiRegistry, store: Store) {
  return async function extraTokenClaims(ctx: KoaContextWithOIDC | undefined, token: TokenLike): Promise<AttributeValues | undefined> {
    const api = registry.byResource(token.resourceServer?.audience ?? '');
    if (!api?.extraAttributes.length) return undefined;
    const claims: AttributeValues = {};
    for (const attribute of attributesOf(api, 'token')) {
      const value = (ctx?.oidc?.params as Record<string, unknown> | undefined)?.[attribute.name];
      if (typeof value === 'string') claims[attribute.name] = value;
    }
    if (token.grantId && attributesOf(api, 'authorization').length) {
      Object.assign(claims, (await store.adapter(MODEL).find(token.grantId)) as AttributeValues | undefined);
    }
    return Object.keys(claims).length ? claims : undefined;
  };
}
