import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { ConsentMemory } from '../accounts/consents.ts';
import type { Audit } from '../ops/audit.ts';

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
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.account?.accountId;
    const clientId = ctx.oidc.client?.clientId;
    // "last used" on Your authorized apps; a failed write only leaves that date older
    if (consents && accountId && clientId) consents.touch(accountId, clientId).catch(() => undefined);
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
