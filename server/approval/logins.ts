import { randomInt } from 'node:crypto';

import type { default as Provider } from 'oidc-provider';

import type { CibaConfig } from '../../config/ciba.ts';
import type { DecoupledCheck, DecoupledLogins } from '../interactions/decoupled.ts';
import type { Announce } from './feature.ts';
import type { PendingRequests } from './pending.ts';

// oidc-provider's model has consume() (lib/models/backchannel_authentication_request.js); its types omit it
function isConsumable(request: object): request is { consume(): Promise<void> } {
  return typeof (request as { consume?: unknown }).consume === 'function';
}

interface LoginDeps {
  provider: Provider;
  pending: PendingRequests;
  ciba: CibaConfig;
  announce?: Announce | undefined;
}

/**
 * A browser sign-in confirmed on the device: a backchannel request for `openid` only, which
 * the approval page and the app backend list and answer like any CIBA request. Its grant is
 * not used (consent follows in the browser) and is removed once the login takes the answer.
 */
export function decoupledLogins({ provider, pending, ciba, announce }: LoginDeps): DecoupledLogins {
  return {
    async start(accountId, clientId, ttlSeconds) {
      const client = await provider.Client.find(clientId);
      if (!client) return undefined;
      const bindingMessage = `WEB-${randomInt(1000, 10_000)}`;
      const expiresIn = Math.max(10, Math.min(ttlSeconds, ciba.maxExpiry));
      const request = new provider.BackchannelAuthenticationRequest({ accountId, clientId });
      Object.assign(request, { scope: 'openid', params: { scope: 'openid', binding_message: bindingMessage }, expiresIn });
      const id = await request.save();
      if (!(await pending.add(accountId, id, Date.now() + expiresIn * 1000, ciba.maxPendingPerCustomer))) {
        await request.destroy();
        return undefined;
      }
      announce?.(request, client);
      return { id, bindingMessage };
    },

    async check(id, accountId): Promise<DecoupledCheck> {
      const request = await provider.BackchannelAuthenticationRequest.find(id, { ignoreExpiration: true });
      if (!request || request.accountId !== accountId || request.consumed) return { status: 'gone' };
      if (request.error) return { status: 'denied' };
      if (!request.grantId) return { status: request.isExpired ? 'expired' : 'pending' };
      try {
        if (!isConsumable(request)) return { status: 'gone' };
        await request.consume(); // the answer counts for one login only
      } catch {
        return { status: 'gone' };
      }
      await (await provider.Grant.find(request.grantId))?.destroy();
      return { status: 'approved', acr: request.acr, amr: request.amr ?? [] };
    },
  };
}
