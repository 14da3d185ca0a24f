import type { Middleware } from 'koa';
import type { Configuration, default as Provider } from 'oidc-provider';

import type { AdapterFactory } from '../../adapters/types.ts';
import type { AppDeps } from '../deps.ts';
import { createOnceMarks, type OnceMarks } from '../ops/once.ts';
import { approvalApi } from './api.ts';
import { cibaFeature, type Announce } from './feature.ts';
import { decoupledLogins } from './logins.ts';
import { findAccountWithPlaceholders } from './hint.ts';
import { createPendingRequests, type PendingRequests } from './pending.ts';
import { approvalRoutes } from './routes.ts';
import { ApprovalSessions } from './session.ts';
import { webhookAnnouncer } from './webhook.ts';

export interface ApprovalParts {
  pending: PendingRequests;
  marks: OnceMarks;
  announce: Announce | undefined;
  feature: NonNullable<NonNullable<Configuration['features']>['ciba']>;
}

/** What the provider needs before it is built: the CIBA feature and its stores. */
export function approvalParts(deps: AppDeps): ApprovalParts {
  const announce = webhookAnnouncer({ ciba: deps.config.ciba, registry: deps.registry, logger: deps.logger, audit: deps.audit });
  const pending = createPendingRequests(deps.store);
  const feature = cibaFeature({
    ciba: deps.config.ciba,
    accounts: deps.accounts.accounts,
    pending,
    audit: deps.audit,
    placeholderKey: deps.config.cookieKeys[0]!,
    announce,
  });
  return { pending, marks: createOnceMarks(deps.store), feature, announce };
}

export { findAccountWithPlaceholders };

// CIBA Core §11: a poll after expiry is told expired_token, so the request outlives its exp by this much
const KEPT_AFTER_EXPIRY_SECONDS = 600;

/** oidc-provider finds an expired request (ignoreExpiration) only while the store still holds it. */
export function keepExpiredRequests(adapter: AdapterFactory): AdapterFactory {
  return (model) => {
    const inner = adapter(model);
    if (model !== 'BackchannelAuthenticationRequest') return inner;
    return {
      ...inner,
      upsert: (id, payload, expiresIn) =>
        inner.upsert(id, payload, expiresIn === undefined ? undefined : expiresIn + KEPT_AFTER_EXPIRY_SECONDS),
    };
  };
}

/** "Approve in the app" for the browser sign-in: the same channel as CIBA. */
export function approvalLogins(provider: Provider, deps: AppDeps, parts: ApprovalParts) {
  return decoupledLogins({ provider, pending: parts.pending, ciba: deps.config.ciba, announce: parts.announce });
}

/** The approval page and the app backend's approval API, after the provider exists. */
export function approvalMiddleware(provider: Provider, deps: AppDeps, parts: ApprovalParts): Middleware[] {
  const answers = {
    provider,
    registry: deps.registry,
    pending: parts.pending,
    marks: parts.marks,
    keys: deps.store.keys,
    audit: deps.audit,
    logger: deps.logger,
  };
  return [
    approvalRoutes({
      ...answers,
      accounts: deps.accounts,
      sessions: new ApprovalSessions(deps.store),
      limits: deps.limits,
      pages: deps.pages,
    }),
    approvalApi(answers, deps.config.ciba.approvalApiToken),
  ];
}
