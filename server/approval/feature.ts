import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import type { CibaConfig } from '../../config/ciba.ts';
import type { AccountManager } from '../accounts/accounts.ts';
import type { Audit } from '../ops/audit.ts';
import { isPlaceholder, loginHintToCustomer } from './hint.ts';
import type { PendingRequests } from './pending.ts';

type CibaFeature = NonNullable<NonNullable<Configuration['features']>['ciba']>;
type Request = Parameters<NonNullable<CibaFeature['triggerAuthenticationDevice']>>[1];
type Client = Parameters<NonNullable<CibaFeature['triggerAuthenticationDevice']>>[3];

/** Tells the customer's device about a new request (the bank's app backend: webhook.ts). Never throws. */
export type Announce = (request: Request, client: Client) => void;

export interface CibaFeatureDeps {
  ciba: CibaConfig;
  accounts: AccountManager;
  pending: PendingRequests;
  audit: Audit;
  /** derives placeholders for unknown usernames (hint.ts) */
  placeholderKey: string;
  announce?: Announce | undefined;
}

// the confirmation code shown on both screens (CIBA Core §7.1): short, plain letters and digits
const BINDING_MESSAGE = /^[\p{L}\p{N}][\p{L}\p{N} ._+/!?#-]{0,19}$/u;

async function validateBindingMessage(_ctx: KoaContextWithOIDC, bindingMessage?: string): Promise<void> {
  if (bindingMessage === undefined) return;
  if (!BINDING_MESSAGE.test(bindingMessage) || bindingMessage.trim() !== bindingMessage) {
    throw new errors.InvalidBindingMessage(
      'binding_message must be 1 to 20 letters, digits, spaces or . _ + / ! ? # - and start with a letter or digit',
    );
  }
}

/** The request is saved by now: it joins the customer's waiting list (bounded) and is announced. */
function triggerDevice(deps: CibaFeatureDeps) {
  return async function triggerAuthenticationDevice(ctx: KoaContextWithOIDC, request: Request, _account: unknown, client: Client) {
    const sub = String(request.accountId);
    // a token saved in this request has no exp on the instance; remainingTTL covers both
    const expiresAtMs = Date.now() + request.remainingTTL * 1000;
    const added = await deps.pending.add(sub, String(request.jti), expiresAtMs, deps.ciba.maxPendingPerCustomer);
    if (!added) {
      await request.destroy();
      throw new errors.AccessDenied('too many requests are waiting for this customer; wait until they are answered or expire');
    }
    // CIBA Core §7.3: the client polls no faster than this
    Object.assign(ctx.body as object, { interval: deps.ciba.pollInterval });
    if (isPlaceholder(sub)) return;
    deps.audit('ciba.requested', { sub, client_id: client.clientId, scope: request.scope });
    if (deps.announce && (await deps.accounts.status(sub)) === 'active') deps.announce(request, client);
  };
}

/** oidc-provider's `features.ciba`: poll and ping delivery, login_hint as the username. */
export function cibaFeature(deps: CibaFeatureDeps): CibaFeature {
  return {
    enabled: true,
    deliveryModes: ['poll', 'ping'],
    processLoginHint: loginHintToCustomer(deps.accounts, deps.placeholderKey),
    async processLoginHintToken() {
      throw new errors.InvalidRequest('login_hint_token is not supported: send login_hint (the username) or id_token_hint');
    },
    validateBindingMessage,
    // request_context (CIBA Core §7.1) carries nothing Valtuus uses
    async validateRequestContext() {},
    async verifyUserCode(_ctx, _account, userCode) {
      if (userCode !== undefined) throw new errors.InvalidUserCode('user_code is not used: the customer signs in on the device');
    },
    triggerAuthenticationDevice: triggerDevice(deps),
  };
}
