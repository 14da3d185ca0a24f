import Provider, { type TokenEndpointGrantContext } from 'oidc-provider';

import type { AccountServices } from '../accounts/services.ts';
import type { Audit } from '../ops/audit.ts';
import { releaseHeldAttempt } from '../ops/attempts.ts';
import type { Limits } from '../ops/limits.ts';
import { CIBA_GRANT } from '../policy/levels.ts';
import type { ResourceIndicators } from '../policy/enforcement.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { auditTokenEvents } from './audit.ts';
import { spendTokenBudget } from './budget.ts';
import { addDecoupledStatus, slowDownFastPolls, type PollPace } from './ciba.ts';
import { clientAuthThrottle } from './client_auth_throttle.ts';
import { unauthorizedClientForGrant } from './errors.ts';
import { registerPasswordGrant } from './password_grant.ts';
import type { Redeem } from './redeem.ts';
import { bindRefreshTokenToDpopKey, countUnrotatedRefresh } from './refresh.ts';
import { addPromisedTokenFields } from './response.ts';
import { tokenResponseProfile } from './apigee.ts';

/*
 * Valtuus' steps of the token endpoint, in the order a request meets them. oidc-provider's own
 * steps (parse the body, authenticate the client, dispatch on grant_type, run the grant) sit
 * between them; docs/architecture.md "The token endpoint" draws the whole sequence.
 *
 * Around the endpoint, outermost first (Koa middleware in front of oidc-provider's routes):
 *  1. clientAuthThrottle          reserves one failure of the address's and the client's budget before
 *                                 client authentication (429 when spent); kept after a 401 invalid_client,
 *                                 given back otherwise, as soon as the client is authenticated (a secret
 *                                 that matched, or the grant handler reached) (README "Operations").
 *  2. unauthorizedClientForGrant  RFC 6749 §5.2's unauthorized_client for a grant the client lacks.
 *  3. addPromisedTokenFields      status, refresh_count, refresh_token_expires_in/_issued_at on a 200.
 *  3b. addDecoupledStatus         CIBA errors: status pending / rejected / expired beside the error (ciba.ts).
 *     applyTokenResponseProfile   wraps step 3: a client registered for the Apigee shape gets its result
 *                                 in that shape (apigee.ts; README "Token response profiles").
 * Client authentication (oidc-provider): a secret is compared as a digest (clients/secrets.ts).
 * Inside every grant handler, in order (the provider class below wraps each registered grant):
 *  4. spendTokenBudget            the client's per-minute budget, once it is known who asks.
 *  4b. slowDownFastPolls          CIBA: slow_down for a poll sooner than `interval` (ciba.ts).
 *  5. the grant itself            oidc-provider's, or the legacy password grant (password_grant.ts).
 *  6. bindRefreshTokenToDpopKey   authorization_code: a high API's refresh token is DPoP-bound.
 *  7. countUnrotatedRefresh       refresh_token: an unrotated (DPoP-bound) refresh still counts.
 *  8. commit (redeem.ts)          5–7 run as one redemption: the code or refresh token consumed in 5
 *                                 is committed once 5–7 saved the new tokens, or undone with them.
 * After the response: token.issued / token.refused audit events (audit.ts).
 */

type GrantStep = (ctx: TokenEndpointGrantContext<object>) => Promise<void>;

function grantSteps(
  limits: Limits,
  pace: PollPace,
): { before: GrantStep[]; first: Record<string, GrantStep[]>; after: Record<string, GrantStep[]> } {
  return {
    before: [spendTokenBudget(limits)],
    first: { [CIBA_GRANT]: [slowDownFastPolls(pace)] },
    after: { authorization_code: [bindRefreshTokenToDpopKey], refresh_token: [countUnrotatedRefresh] },
  };
}

/**
 * A Provider whose grant handlers, built-in or registered later, run steps 4–8 around them;
 * `tokenParams` are request attributes some APIs require, which must reach the handlers.
 */
export function tokenEndpointProvider(limits: Limits, tokenParams: readonly string[], redeem: Redeem, pace: PollPace): typeof Provider {
  const steps = grantSteps(limits, pace);
  return class ValtuusProvider extends Provider {
    override registerGrantType<Params extends object>(
      name: string,
      handler: (ctx: TokenEndpointGrantContext<Params>) => void | Promise<void>,
      params?: string | readonly string[] | ReadonlySet<string>,
      dupes?: string | readonly string[] | ReadonlySet<string>,
    ): void {
      const after = steps.after[name] ?? [];
      const first = steps.first[name] ?? [];
      async function grantWithValtuusSteps(ctx: TokenEndpointGrantContext<Params>): Promise<void> {
        releaseHeldAttempt(ctx.state); // the client is authenticated: its reserved attempt is given back (step 1)
        for (const step of steps.before) await step(ctx);
        for (const step of first) await step(ctx);
        await redeem(async () => {
          await handler(ctx);
          for (const step of after) await step(ctx);
        }, name);
      }
      const names = typeof params === 'string' ? [params] : [...(params ?? [])];
      super.registerGrantType(name, grantWithValtuusSteps, [...names, ...tokenParams], dupes);
    }
  };
}

export interface TokenStepDeps {
  registry: ApiRegistry;
  accounts: AccountServices;
  audit: Audit;
  limits: Limits;
}

/** Steps 1–3, the password grant and the audit events; called once by createApp, at the place of these steps in the app's middleware. */
export function installTokenSteps(provider: Provider, deps: TokenStepDeps, resourceIndicators: ResourceIndicators): void {
  provider.use(clientAuthThrottle(provider, deps.limits));
  provider.use(unauthorizedClientForGrant);
  provider.use(tokenResponseProfile(deps.registry));
  provider.use(addPromisedTokenFields);
  provider.use(addDecoupledStatus);
  registerPasswordGrant(provider, deps, resourceIndicators);
  auditTokenEvents(provider, deps.audit, deps.accounts.consents);
}
