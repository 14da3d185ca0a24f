import { errors, type default as Provider } from 'oidc-provider';

import type { KeyLayout } from '../../adapters/keys.ts';
import type { Audit } from '../ops/audit.ts';
import type { Logger } from '../ops/logger.ts';
import type { OnceMarks } from '../ops/once.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import type { PendingRequests } from './pending.ts';

export type Decision = 'allow' | 'deny';

/** How the customer authenticated on the device (OIDC Core §2 acr, RFC 8176 amr). */
export interface CustomerAuthentication {
  acr: string;
  amr: string[];
  authTime: number;
}

export type Request = InstanceType<Provider['BackchannelAuthenticationRequest']>;
export type AnswerOutcome = 'answered' | 'gone';

export interface AnswerDeps {
  provider: Provider;
  registry: ApiRegistry;
  pending: PendingRequests;
  marks: OnceMarks;
  keys: KeyLayout;
  audit: Audit;
  logger: Logger;
}

/** A request this customer may still answer: theirs, not expired, not answered. */
export async function findOpenRequest(deps: AnswerDeps, authReqId: string, sub: string): Promise<Request | undefined> {
  const request = await deps.provider.BackchannelAuthenticationRequest.find(authReqId);
  if (!request || request.accountId !== sub || request.grantId || request.error || request.isExpired) return undefined;
  return request;
}

async function grantFor(deps: AnswerDeps, request: Request, sub: string): Promise<InstanceType<Provider['Grant']>> {
  const grant = new deps.provider.Grant({ accountId: sub, clientId: String(request.clientId) });
  const scopes = String(request.scope ?? '')
    .split(' ')
    .filter(Boolean);
  // oidc-provider counts API scopes among its own (they are in its `scopes`), so both lists get them
  grant.addOIDCScope(scopes.join(' '));
  const resource = Array.isArray(request.resource) ? request.resource[0] : request.resource;
  if (resource) grant.addResourceScope(resource, scopes.filter((s) => deps.registry.byScope(s)).join(' '));
  await grant.save();
  return grant;
}

/**
 * The one answer a request gets: bound to the request and to its customer, taken once (a
 * mark that lives as long as the request), and gone with the request when it expires.
 */
export async function answerRequest(
  deps: AnswerDeps,
  authReqId: string,
  sub: string,
  decision: Decision,
  auth: CustomerAuthentication,
  channel: 'page' | 'api' | 'login',
): Promise<AnswerOutcome> {
  const request = await findOpenRequest(deps, authReqId, sub);
  const ttlMs = ((request?.exp ?? 0) - Date.now() / 1000) * 1000;
  if (!request || !(await deps.marks.claim(deps.keys.ciba('answer', authReqId), ttlMs + 1000))) {
    deps.audit('ciba.answer_refused', { sub, channel, reason: 'not open for this customer' });
    return 'gone';
  }
  const fields = { sub, client_id: request.clientId, scope: request.scope, channel, acr: auth.acr };
  try {
    if (decision === 'deny') {
      await deps.provider.backchannelResult(request, new errors.AccessDenied('the customer declined the request'));
      deps.audit('ciba.denied', fields);
    } else {
      const grant = await grantFor(deps, request, sub);
      await deps.provider.backchannelResult(request, grant, { acr: auth.acr, amr: auth.amr, authTime: auth.authTime });
      deps.audit('ciba.approved', { ...fields, grant_id: grant.jti });
    }
  } catch (err) {
    // backchannelResult saves the answer, then pings: a failed ping leaves the client its polling
    const saved = await deps.provider.BackchannelAuthenticationRequest.find(authReqId, { ignoreExpiration: true });
    if (!saved?.grantId && !saved?.error) throw err;
    deps.logger.warn({ err: { message: (err as Error).message }, client_id: request.clientId }, 'CIBA ping failed');
  }
  await deps.pending.remove(sub, authReqId);
  return 'answered';
}
