import { createHmac } from 'node:crypto';

import type { Account as ProviderAccount, Configuration, KoaContextWithOIDC } from 'oidc-provider';

import type { AccountManager } from '../accounts/accounts.ts';
import { normalizeUsername } from '../accounts/accounts.ts';

// real subs are base64url (accounts.ts), which has no colon: a placeholder never names a customer
const PLACEHOLDER = 'nobody:';

export function isPlaceholder(accountId: string): boolean {
  return accountId.startsWith(PLACEHOLDER);
}

/**
 * `login_hint` is the customer's username. An unknown username gets a placeholder that is the
 * same each time for that username, so its requests are saved, bounded and left to expire
 * exactly like a real customer's (CIBA Core §7.1 lets the OP answer unknown_user_id; answering
 * it would tell any client which usernames exist).
 */
export function loginHintToCustomer(accounts: AccountManager, key: string) {
  return async function processLoginHint(_ctx: KoaContextWithOIDC, loginHint?: string): Promise<string | undefined> {
    const username = normalizeUsername(String(loginHint ?? '')).slice(0, 128);
    if (!username) return undefined;
    const account = await accounts.findByUsername(username);
    return account?.sub ?? `${PLACEHOLDER}${createHmac('sha256', key).update(username).digest('base64url')}`;
  };
}

type FindAccount = NonNullable<Configuration['findAccount']>;

/** A placeholder is an account only while a backchannel request is saved; nowhere else. */
export function findAccountWithPlaceholders(find: FindAccount): FindAccount {
  return async function findCustomerOrPlaceholder(ctx, id, token): Promise<ProviderAccount | undefined> {
    if (!isPlaceholder(id)) return find(ctx, id, token);
    if (ctx.oidc?.route !== 'backchannel_authentication') return undefined;
    return { accountId: id, claims: () => ({ sub: id }) };
  };
}
