import { createHash } from 'node:crypto';

import type { default as Provider } from 'oidc-provider';

import { permissionGroups } from '../interactions/consent_texts.ts';
import { formatDuration } from '../pages/i18n/format.ts';
import type { PageLanguage } from '../pages/kit.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import type { Request } from './answer.ts';

/** What the approval page shows of one request; every value is escaped by the template. */
export interface RequestView {
  id: string;
  /** an id for the page's element ids, not the request id itself */
  ref: string;
  clientName: string;
  bindingMessage: string;
  groups: ReturnType<typeof permissionGroups>;
  timeLeft: string;
}

/** Whole minutes while there are some, then seconds: enough to decide whether to hurry. */
function timeLeft(language: PageLanguage, exp: number | undefined): string {
  const seconds = Math.max(1, (exp ?? 0) - Math.floor(Date.now() / 1000));
  return formatDuration(language.locale, seconds >= 60 ? Math.floor(seconds / 60) * 60 : seconds);
}

export async function describeRequest(
  provider: Provider,
  registry: ApiRegistry,
  request: Request,
  language: PageLanguage,
): Promise<RequestView> {
  const client = await provider.Client.find(String(request.clientId));
  const params = (request.params ?? {}) as { binding_message?: unknown };
  const scopes = String(request.scope ?? '')
    .split(' ')
    .filter(Boolean);
  return {
    id: String(request.jti),
    ref: createHash('sha256').update(String(request.jti)).digest('hex').slice(0, 12),
    clientName: client?.clientName ?? String(request.clientId),
    bindingMessage: typeof params.binding_message === 'string' ? params.binding_message : '',
    groups: permissionGroups(registry, { missingOIDCScope: scopes }, language),
    timeLeft: timeLeft(language, request.exp),
  };
}
