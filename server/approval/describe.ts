import { createHash } from 'node:crypto';

import type { default as Provider } from 'oidc-provider';

import { permissionGroups } from '../interactions/consent.ts';
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

function timeLeft(exp: number | undefined): string {
  const seconds = Math.max(0, (exp ?? 0) - Math.floor(Date.now() / 1000));
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export async function describeRequest(provider: Provider, registry: ApiRegistry, request: Request): Promise<RequestView> {
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
    groups: permissionGroups(registry, { missingOIDCScope: scopes }),
    timeLeft: timeLeft(request.exp),
  };
}
