import { UnsecuredJWT } from 'jose';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { unsignedRequestObjectAllowed } from '../policy/request_objects.ts';
import type { ApiRegistry } from '../policy/registry.ts';

/*
 * oidc-provider verifies every request object with the client's keys and knows no alg `none`.
 * Discovery promises unsigned request objects (OIDC Discovery §3 SHOULD; Authlib's metadata
 * validation wants it) where they are safe: for low and substantial APIs an unsigned request
 * object is only another way to write the query, so at the authorization endpoint it is
 * turned into the query parameters it holds (its values win, OIDC Core §6.3.3) before
 * oidc-provider sees the request. Anything else (a signature, a high API, a client that
 * registered a signing algorithm or must sign) is left to oidc-provider, which refuses it.
 */

const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

function decodeUnsigned(request: string): Record<string, unknown> | undefined {
  try {
    return UnsecuredJWT.decode(request).payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function asQueryValue(value: unknown): string | string[] {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function mayStandForQuery(provider: Provider, registry: ApiRegistry, query: Record<string, unknown>): Promise<boolean> {
  if (typeof query.client_id !== 'string') return false;
  const client = await provider.Client.find(query.client_id).catch(() => undefined);
  if (!client || client.requestObjectSigningAlg || client.requireSignedRequestObject) return false;
  return unsignedRequestObjectAllowed(registry, client.scope, query);
}

/** GET requests to the authorization endpoint with an unsigned `request` become plain parameters, where the level allows. */
export function unsignedRequestObjectsAsQuery(provider: Provider, registry: ApiRegistry) {
  const path = provider.pathFor('authorization');
  return async function requestObjectAsQuery(ctx: Context, next: Next): Promise<void> {
    const { request, ...rest } = ctx.query;
    if (ctx.method !== 'GET' || ctx.path !== path || typeof request !== 'string') return next();
    const payload = decodeUnsigned(request);
    if (!payload || (payload.client_id !== undefined && payload.client_id !== rest.client_id)) return next();
    const query: Record<string, string | string[]> = { ...(rest as Record<string, string | string[]>) };
    for (const [name, value] of Object.entries(payload)) if (!JWT_CLAIMS.has(name)) query[name] = asQueryValue(value);
    if (await mayStandForQuery(provider, registry, query)) ctx.query = query;
    return next();
  };
}

/** Discovery lists `none` for request objects: accepted as above (docs/userinfo_and_api_tokens.md). */
export async function listUnsignedRequestObjects(ctx: KoaContextWithOIDC, next: Next): Promise<void> {
  await next();
  if (ctx.oidc?.route !== 'discovery' || ctx.status !== 200) return;
  const body = ctx.body as { request_object_signing_alg_values_supported?: unknown };
  const algs = body.request_object_signing_alg_values_supported;
  // a copy: the body holds oidc-provider's own list, which verifies signed request objects
  if (Array.isArray(algs) && !algs.includes('none')) body.request_object_signing_alg_values_supported = [...algs, 'none'];
}
