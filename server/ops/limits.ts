import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

import type { Config } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { allOf, FREE_ATTEMPT, reserveAll, retryAfterOf, type Attempt, type Reserved } from './attempts.ts';
import { BatchedBudget } from './batched_budget.ts';
import { LeasedBudget, MemoryLeaseStore, RedisLeaseStore } from './leased_budget.ts';

export type { Attempt, Reserved } from './attempts.ts';

const WINDOW_SECONDS = 60;

/** Seconds to wait before trying again, or undefined when the request may go on. */
export type RetryAfter = number | undefined;

export interface Limits {
  /**
   * Before a client authenticates: reserves one failure of the address's budget and of this
   * client's budget from this address; refused when either is spent.
   */
  clientAuth(ip: string, clientId: string | undefined): Promise<Reserved>;
  /** Every token request of an authenticated client. */
  tokenRequest(clientId: string): Promise<RetryAfter>;
  /** Before a password or one-time code from an address is checked: reserves one failure of its budget. */
  login(ip: string): Promise<Reserved>;
  /** Before an address starts a new sign-in (an interaction kept in the store). */
  newInteraction(ip: string): Promise<RetryAfter>;
}

interface FailureBudget {
  reserveNow(key: string): Attempt | undefined;
  reserve(key: string): Promise<Reserved>;
}

const NO_BUDGET: FailureBudget = { reserveNow: () => FREE_ATTEMPT, reserve: async () => ({ attempt: FREE_ATTEMPT }) };

/** A failure budget that also bounds attempts in flight, leased to each process (leased_budget.ts). */
function failureBudget(store: Store, name: string, points: number): FailureBudget {
  if (points <= 0) return NO_BUDGET;
  const leases = store.redis ? new RedisLeaseStore(store.redis, store.keys.limiter(name)) : new MemoryLeaseStore();
  return new LeasedBudget(leases, points, WINDOW_SECONDS);
}

/** Budgets of abuse, not of correctness: when the store fails they let the request go on, to meet the store itself. */
async function reserveOpen(budget: FailureBudget, key: string): Promise<Reserved> {
  try {
    return await budget.reserve(key);
  } catch {
    return { attempt: FREE_ATTEMPT };
  }
}

/**
 * A budget that only counts, spent on every token request or new sign-in: on Redis counted in
 * batches (batched_budget.ts), not per request; in one process by rate-limiter-flexible's memory
 * limiter.
 */
function countingBudget(store: Store, name: string, points: number, keyOf: (key: string, window: number) => string) {
  if (points <= 0) return async (): Promise<RetryAfter> => undefined;
  if (store.redis) {
    const batched = new BatchedBudget(store.redis, keyOf, points);
    return async (key: string): Promise<RetryAfter> => batched.spend(key);
  }
  const limiter = new RateLimiterMemory({ keyPrefix: store.keys.limiter(name), points, duration: WINDOW_SECONDS });
  return async (key: string): Promise<RetryAfter> => {
    try {
      await limiter.consume(key);
      return undefined;
    } catch (err) {
      return err instanceof RateLimiterRes ? retryAfterOf(err) : undefined;
    }
  };
}

/**
 * Abuse limits shared by every process through the store. Keys are per client and per
 * address, so an attacker of one client never throttles another; a client's own failure
 * budget is keyed by address too, so guessing from one place cannot lock out the client.
 * A failure budget bounds the attempts in flight as well (README "Operations").
 */
export function createLimits(config: Config, store: Store): Limits {
  const { clientAuthFailuresPerClient, authFailuresPerAddress, loginFailuresPerAddress, tokenRequestsPerClient, interactionsPerAddress } =
    config.limits;
  const clientFromAddress = failureBudget(store, 'client-auth', clientAuthFailuresPerClient);
  const address = failureBudget(store, 'auth-address', authFailuresPerAddress);
  const loginAddress = failureBudget(store, 'login-address', loginFailuresPerAddress);
  const interactionKey = store.keys.limiter('interaction-address');
  const interactions = countingBudget(
    store,
    'interaction-address',
    interactionsPerAddress,
    (ip, window) => `${interactionKey}:{${ip}}:${window}`,
  );
  const tokens = countingBudget(store, 'token', tokenRequestsPerClient, store.keys.tokenBudget);
  const pair = (ip: string, clientId: string | undefined) => `${clientId ?? '-'}|${ip}`;

  return {
    clientAuth: async (ip, clientId) => {
      // the hot path: this process holds free points of both leases, nothing to ask the store
      const byAddress = address.reserveNow(ip);
      const byClient = byAddress && (clientId ? clientFromAddress.reserveNow(pair(ip, clientId)) : FREE_ATTEMPT);
      if (byAddress && byClient) return { attempt: allOf([byAddress, byClient]) };
      await byAddress?.release();
      return reserveAll([reserveOpen(address, ip), ...(clientId ? [reserveOpen(clientFromAddress, pair(ip, clientId))] : [])]);
    },
    tokenRequest: tokens,
    login: (ip) => reserveOpen(loginAddress, ip),
    newInteraction: interactions,
  };
}

/**
 * How long a sign-in (oidc-provider's Interaction) is kept: a request that never showed its
 * login form costs the store two minutes; showing the form extends it to the full lifetime.
 */
export const INTERACTION_LIFETIME = Object.freeze({ untilLoginForm: 120, full: 900 });
