import type { KoaContextWithOIDC } from 'oidc-provider';

import type { ApiRegistry } from '../policy/registry.ts';

export interface ApigeeContext {
  clientId: string;
  clientName: string | undefined;
  apiIds: string[];
  /** when the response is made, in epoch milliseconds */
  nowMs: number;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? ''));

/**
 * The Apigee OAuthV2 shape of a token response (README "Token response profiles"): every
 * value a string, `BearerToken`, times of issue in epoch milliseconds. Built from the default
 * response, so both shapes always carry the same token and lifetimes.
 */
export function apigeeTokenResponse(body: Record<string, unknown>, context: ApigeeContext): Record<string, string> {
  const shaped: Record<string, string> = {
    access_token: text(body.access_token),
    // a DPoP-bound token stays DPoP: calling it a bearer token would make the client send it wrongly
    token_type: body.token_type === 'DPoP' ? 'DPoP' : 'BearerToken',
    issued_at: String(context.nowMs),
    expires_in: text(body.expires_in),
    scope: text(body.scope),
    client_id: context.clientId,
    application_name: context.clientName ?? context.clientId,
    api_product_list: `[${context.apiIds.join(', ')}]`,
    status: text(body.status),
    refresh_count: text(body.refresh_count),
  };
  if (typeof body.refresh_token === 'string') {
    shaped.refresh_token = body.refresh_token;
    shaped.refresh_token_status = 'approved';
    shaped.refresh_token_expires_in = text(body.refresh_token_expires_in);
    shaped.refresh_token_issued_at = String(Number(body.refresh_token_issued_at) * 1000);
  }
  if (typeof body.id_token === 'string') shaped.id_token = body.id_token;
  return shaped;
}

interface ProfiledClient {
  clientId: string;
  clientName?: string;
  token_response_profile?: unknown;
}

/** Step around addPromisedTokenFields: a client registered for the Apigee profile gets that shape of the finished response. */
export function tokenResponseProfile(registry: ApiRegistry) {
  return async function applyTokenResponseProfile(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const client = ctx.oidc.client as ProfiledClient | undefined;
    if (client?.token_response_profile !== 'apigee' || typeof ctx.body !== 'object' || ctx.body === null) return;
    const body = ctx.body as Record<string, unknown>;
    if (typeof body.access_token !== 'string') return;
    const apiIds = [...registry.apisOf(String(body.scope ?? '').split(' '))].map((api) => api.id);
    ctx.body = apigeeTokenResponse(body, { clientId: client.clientId, clientName: client.clientName, apiIds, nowMs: Date.now() });
  };
}
