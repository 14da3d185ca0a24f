import { LRUCache } from 'lru-cache';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { ConsentMemory } from '../accounts/consents.ts';
import type { Audit } from '../ops/audit.ts';

const TOUCH_EVERY_MS = 60_000;

interface TokenLike {
  aud?: string | string[];
  scope?: string;
  resourceServer?: { audience?: string };
}

function issuedToken(ctx: KoaContextWithOIDC): TokenLike | undefined {
  const { AccessToken, ClientCredentials } = ctx.oidc.entities as Record<string, TokenLike | undefined>;
  return AccessToken ?? ClientCredentials;
}

/** Token issued and refused, from the provider's own events; a customer's token also marks their consent as used. */
export function auditTokenEvents(provider: Provider, audit: Audit, consents?: ConsentMemory): void {
  // "last used" on Your authorized apps is shown to the minute: written at most once a minute per app and process
  const touched = new LRUCache<string, true>({ max: 10_000, ttl: TOUCH_EVERY_MS });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.account?.accountId;
    const clientId = ctx.oidc.client?.clientId;
    const pair = `${accountId}\u0000${clientId}`;
    if (consents && accountId && clientId && !touched.has(pair)) {
      touched.set(pair, true);
      // a failed write only leaves that date older
      consents.touch(accountId, clientId).catch(() => touched.delete(pair));
    }
    const token = issuedToken(ctx);
    audit('token.issued', {
      client_id: ctx.oidc.client?.clientId,
      grant_type: String((ctx.oidc.params as { grant_type?: unknown }).grant_type),
      api: token?.resourceServer?.audience,
      scope: token?.scope,
      sub: ctx.oidc.account?.accountId,
      username: (ctx.oidc.account as { username?: string } | undefined)?.username,
      req_id: ctx.state.requestId as string | undefined,
    });
  });
  provider.on('grant.error', (ctx, err) => {
    audit('token.refused', {
      client_id: ctx.oidc.client?.clientId,
      grant_type: typeof ctx.oidc.params?.grant_type === 'string' ? ctx.oidc.params.grant_type : undefined,
      error: err.error,
      reason: err.error_description,
      req_id: ctx.state.requestId as string | undefined,
    });
  });
}
