import { createHmac } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import type { CibaConfig } from '../../config/ciba.ts';
import type { Audit } from '../ops/audit.ts';
import type { Logger } from '../ops/logger.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import type { Announce } from './feature.ts';

const ATTEMPTS = 4;
const ATTEMPT_TIMEOUT_MS = 5000;
export const SIGNATURE_HEADER = 'valtuus-signature';

/** `t=<epoch seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the shared key. */
export function signNotification(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

interface WebhookDeps {
  ciba: CibaConfig;
  registry: ApiRegistry;
  logger: Logger;
  audit: Audit;
}

async function deliver(url: string, secret: string, body: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signNotification(secret, body) },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
  });
  await res.body?.cancel();
  if (res.status < 200 || res.status > 299) throw new Error(`the app backend answered ${res.status}`);
}

/**
 * Announces each new request to the bank's app backend (CIBA_WEBHOOK_URL): a signed JSON
 * notification naming the request, the app, the API, the scopes, the binding message and the
 * expiry; retried with doubling delays. A failure is logged and leaves the request waiting.
 */
export function webhookAnnouncer(deps: WebhookDeps): Announce | undefined {
  const { webhookUrl: url, webhookSecret: secret, webhookBackoffMs } = deps.ciba;
  if (!url || !secret) return undefined;
  return function announceToAppBackend(request, client) {
    const scopes = String(request.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const body = JSON.stringify({
      type: 'backchannel_authentication_request',
      auth_req_id: request.jti,
      sub: request.accountId,
      client_id: client.clientId,
      client_name: client.clientName ?? client.clientId,
      apis: [...deps.registry.apisOf(scopes)].map((api) => ({ id: api.id, name: api.name, level: api.level })),
      scopes,
      binding_message: (request.params as { binding_message?: unknown } | undefined)?.binding_message ?? null,
      expires_at: Math.floor(Date.now() / 1000) + request.remainingTTL,
    });
    void (async () => {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
        try {
          return await deliver(url, secret, body);
        } catch (err) {
          if (attempt === ATTEMPTS) {
            deps.logger.warn(
              { err: { message: (err as Error).message }, client_id: client.clientId, attempts: attempt },
              'CIBA notification failed',
            );
            deps.audit('ciba.notify_failed', { sub: request.accountId, client_id: client.clientId, attempts: attempt });
            return undefined;
          }
          await delay(webhookBackoffMs * 2 ** (attempt - 1));
        }
      }
      return undefined;
    })();
  };
}
