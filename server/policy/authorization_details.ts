import { isDeepStrictEqual } from 'node:util';

import { errors, type AuthorizationDetail, type KoaContextWithOIDC } from 'oidc-provider';

import type { ApiDefinition } from '../../config/index.ts';
import { PAYMENT_INITIATION, describePaymentProblems } from './payment_initiation.ts';
import type { ApiRegistry } from './registry.ts';
import { scopeList } from './scopes.ts';

export type { AuthorizationDetail };

interface DetailsType {
  /** every problem of one detail, each naming its field, or undefined when it is valid */
  problems(index: number, detail: unknown): string | undefined;
  /** single use: no refresh token, and the API accepts one submission (README "Payments") */
  singleUse: boolean;
}

/** The authorization details types Valtuus knows; the API registry says which API takes which. */
export const DETAILS_TYPES: Readonly<Record<string, DetailsType>> = Object.freeze({
  [PAYMENT_INITIATION]: { problems: describePaymentProblems, singleUse: true },
});

/** Each type an API of the registry names must be one Valtuus knows (checked once, at start). */
export function assertKnownDetailsTypes(apis: readonly ApiDefinition[]): void {
  for (const api of apis) {
    const unknown = api.authorizationDetailsTypes.filter((t) => !Object.hasOwn(DETAILS_TYPES, t));
    if (unknown.length) throw new Error(`API ${api.id} takes unknown authorization details types: ${unknown.join(', ')}`);
  }
}

/** The types some API of the registry takes: `authorization_details_types_supported` (RFC 9396 §10). */
export function detailsTypesTaken(registry: ApiRegistry): string[] {
  return Object.keys(DETAILS_TYPES).filter((type) => registry.apis.some((api) => api.authorizationDetailsTypes.includes(type)));
}

export function isSingleUse(details: readonly { type: string }[] | undefined): boolean {
  return Boolean(details?.some((d) => DETAILS_TYPES[d.type]?.singleUse));
}

/** The details of this request's `authorization_details` parameter (oidc-provider has checked it is a JSON array). */
export function requestedDetails(params: Record<string, unknown> | undefined): AuthorizationDetail[] {
  const raw = params?.authorization_details;
  if (typeof raw !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as AuthorizationDetail[]) : [];
  } catch {
    return [];
  }
}

/** The API a request is for: its resource indicator, else the API its scopes belong to. */
function targetApi(registry: ApiRegistry, params: Record<string, unknown>): ApiDefinition | undefined {
  const { resource } = params;
  const first = Array.isArray(resource) ? resource[0] : resource;
  if (typeof first === 'string') return registry.byResource(first);
  const apis = [...registry.apisOf(scopeList(params.scope))];
  return apis.length === 1 ? apis[0] : undefined;
}

// oidc-provider validates one detail at a time, in order; the index names the detail in errors
const validatedSoFar = new WeakMap<object, number>();

function nextIndex(ctx: KoaContextWithOIDC): number {
  const index = validatedSoFar.get(ctx.oidc) ?? 0;
  validatedSoFar.set(ctx.oidc, index + 1);
  return index;
}

/** `types[t].validate`: the type's own schema, then whether the API the request is for takes it. */
export function validateDetail(registry: ApiRegistry, type: string) {
  return function validateAuthorizationDetail(ctx: KoaContextWithOIDC, detail: unknown): void {
    const index = nextIndex(ctx);
    const problems = DETAILS_TYPES[type]?.problems(index, detail);
    if (problems) throw new errors.InvalidAuthorizationDetails(problems);
    if (DETAILS_TYPES[type]?.singleUse && requestedDetails(ctx.oidc.params).filter((d) => d.type === type).length > 1) {
      throw new errors.InvalidAuthorizationDetails(`authorization_details[${index}]: one ${type} per authorization`);
    }
    if (ctx.oidc.route === 'backchannel_authentication') {
      throw new errors.InvalidAuthorizationDetails(
        `authorization_details[${index}].type: ${type} is approved through PAR and the consent page, not a decoupled request`,
      );
    }
    const api = targetApi(registry, ctx.oidc.params as Record<string, unknown>);
    if (api && !api.authorizationDetailsTypes.includes(type)) {
      const takers = registry.apis.filter((a) => a.authorizationDetailsTypes.includes(type)).map((a) => `the ${a.name} API`);
      throw new errors.InvalidAuthorizationDetails(
        `authorization_details[${index}].type: the ${api.name} API does not take ${type}${takers.length ? ` (${takers.join(', ')} does)` : ''}`,
      );
    }
  };
}

function assertAllIn(requested: readonly AuthorizationDetail[], approved: readonly unknown[], what: string): void {
  requested.forEach((detail, index) => {
    if (!approved.some((a) => isDeepStrictEqual(a, detail))) {
      throw new errors.InvalidAuthorizationDetails(`authorization_details[${index}] ${what}`);
    }
  });
}

/**
 * `authorizationDetailsForGrantSource`: a code carries the details this request asked for,
 * and only when the customer approved exactly those on the consent page.
 */
export function detailsForGrantSource(ctx: KoaContextWithOIDC): AuthorizationDetail[] | undefined {
  const requested = requestedDetails(ctx.oidc.params as Record<string, unknown>);
  if (!requested.length) return undefined;
  const approved = (ctx.oidc.entities.Grant as { rar?: unknown[] } | undefined)?.rar ?? [];
  assertAllIn(requested, approved, 'was not approved by the customer');
  return requested;
}

interface SourceLike {
  rar?: AuthorizationDetail[] | undefined;
}

/**
 * `authorizationDetailsForAccessToken`: what the code carried; a token request may name fewer of
 * them, never others (RFC 9396 §6.1). Client credentials have no customer to approve a payment.
 */
export function detailsForAccessToken(ctx: KoaContextWithOIDC, source: SourceLike | undefined): AuthorizationDetail[] | undefined {
  const requested = requestedDetails(ctx.oidc.params as Record<string, unknown>);
  if (!source) {
    if (requested.length) {
      throw new errors.InvalidAuthorizationDetails("authorization_details need the customer's approval: use the authorization code grant");
    }
    return undefined;
  }
  if (!requested.length) return source.rar;
  assertAllIn(requested, source.rar ?? [], 'is not among the details the customer approved (RFC 9396 §6.1)');
  return requested;
}
