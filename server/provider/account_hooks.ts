import type { Account as ProviderAccount, KoaContextWithOIDC } from 'oidc-provider';

import type { AppDeps } from '../deps.ts';
import { SCA_ACR } from '../accounts/sca.ts';
import { scaInteractionPolicy } from './interaction_policy.ts';
import { authorizationAttributeValues } from '../policy/attributes.ts';
import type { ProviderHooks } from './configuration.ts';
import type { ConsentMemory } from '../accounts/consents.ts';
import type { AccountManager } from '../accounts/accounts.ts';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

function findAccount(accounts: AccountManager) {
  return async function findCustomer(_ctx: KoaContextWithOIDC, sub: string): Promise<ProviderAccount | undefined> {
    const account = await accounts.findBySub(sub);
    if (!account) return undefined;
    // only `sub`: userinfo and ID tokens tell a TPP who, never a customer's personal data;
    // the username stays server-side, for audit lines (README "Admin CLI")
    return { accountId: account.sub, username: account.username, claims: () => ({ sub: account.sub }) };
  };
}

/**
 * The grant to build on: the one this interaction just consented to, the one in this
 * browser's session, or the one remembered for this customer and client. A candidate that is
 * gone (revoked, expired) or belongs to someone else is skipped.
 */
function loadExistingGrant(consents: ConsentMemory) {
  return async function loadRememberedGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { oidc } = ctx;
    const accountId = oidc.session?.accountId;
    const clientId = oidc.client?.clientId;
    if (!accountId || !clientId) return undefined;
    const candidates = [
      (oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId,
      oidc.session?.grantIdFor(clientId),
      () => consents.recall(accountId, clientId),
    ];
    for (const candidate of candidates) {
      const grantId = typeof candidate === 'function' ? await candidate() : candidate;
      if (!grantId) continue;
      const grant = await oidc.provider.Grant.find(grantId);
      if (grant && grant.accountId === accountId && grant.clientId === clientId) return grant;
    }
    return undefined;
  };
}

/** The provider's account and grant hooks (findAccount, loadExistingGrant) and the SCA login policy. */
export function accountProviderHooks(deps: Pick<AppDeps, 'accounts' | 'registry'>): ProviderHooks {
  const { accounts, consents } = deps.accounts;
  return {
    findAccount: findAccount(accounts),
    loadExistingGrant: loadExistingGrant(consents),
    interactionPolicy: scaInteractionPolicy((ctx) => authorizationAttributeValues(deps.registry, ctx.oidc.params ?? {}).length > 0),
    acrValues: [SCA_ACR],
  };
}
