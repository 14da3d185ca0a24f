import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

import type { Config } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { BatchedBudget } from './batched_budget.ts';

const WINDOW_SECONDS = 60;

/** Seconds to wait before trying again, or undefined when the request may go on. */
export type RetryAfter = number | undefined;

export interface Limits {
  /** Before a client authenticates: is this address, or this client from this address, over its failure budget? */
  clientAuthBlocked(ip: string, clientId: string | undefined): Promise<RetryAfter>;
  /** After a failed client authentication: counts it, and says whether the caller is now over a budget. */
  clientAuthFailed(ip: string, clientId: string | undefined): Promise<RetryAfter>;
  /** Every token request of an authenticated client. */
  tokenRequest(clientId: string): Promise<RetryAfter>;
  /** Before a login attempt from an address. */
  loginBlocked(ip: string): Promise<RetryAfter>;
  /** After a failed password or one-time code from an address. */
  loginFailed(ip: string): Promise<RetryAfter>;
}

type Factory = (name: string, points: number) => RateLimiterAbstract | undefined;

function limiterFactory(store: Store): Factory {
  return (name, points) => {
    if (points <= 0) return undefined;
    const opts = { keyPrefix: store.keys.limiter(name), points, duration: WINDOW_SECONDS };
    return store.redis ? new RateLimiterRedis({ ...opts, storeClient: store.redis }) : new RateLimiterMemory(opts);
  };
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Reads a budget without spending it. Store errors let the request go on: it will meet the store itself. */
async function blocked(limiter: RateLimiterAbstract | undefined, key: string): Promise<RetryAfter> {
  if (!limiter) return undefined;
  try {
    const res = await limiter.get(key);
    return res && res.remainingPoints <= 0 ? retryAfter(res) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keys this process has seen go over budget, until when. Checking it costs no round trip,
 * which keeps the store off the path of every honest token request; other processes learn
 * of the block at the key's next failure, which they count in the store.
 */
class LocalBlocks {
  readonly #until = new Map<string, number>();

  check(key: string): RetryAfter {
    const until = this.#until.get(key);
    if (until === undefined) return undefined;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.#until.delete(key);
    return undefined;
  }

  remember(key: string, retry: RetryAfter): RetryAfter {
    if (retry) {
      if (this.#until.size > 100_000) this.#until.clear(); // bounded under a flood of addresses
      this.#until.set(key, Date.now() + retry * 1000);
    }
    return retry;
  }
}

/** Spends one point; says to wait once the budget is spent (`untilEmpty`: from the last point on). */
async function spend(limiter: RateLimiterAbstract | undefined, key: string, untilEmpty = false): Promise<RetryAfter> {
  if (!limiter) return undefined;
  try {
    const res = await limiter.consume(key);
    return untilEmpty && res.remainingPoints <= 0 ? retryAfter(res) : undefined;
  } catch (err) {
    return err instanceof RateLimiterRes ? retryAfter(err) : undefined;
  }
}

const later = (...values: RetryAfter[]): RetryAfter => {
  const set = values.filter((v): v is number => v !== undefined);
  return set.length ? Math.max(...set) : undefined;
};

/**
 * Abuse limits shared by every process through the store. Keys are per client and per
 * address, so an attacker of one client never throttles another; a client's own failure
 * budget is keyed by address too, so guessing from one place cannot lock out the client.
 */
export function createLimits(config: Config, store: Store): Limits {
  const make = limiterFactory(store);
  const { clientAuthFailuresPerClient, authFailuresPerAddress, loginFailuresPerAddress, tokenRequestsPerClient } = config.limits;
  const clientFromAddress = make('client-auth', clientAuthFailuresPerClient);
  const address = make('auth-address', authFailuresPerAddress);
  const loginAddress = make('login-address', loginFailuresPerAddress);
  // the token budget is spent on every token request: counted in batches, not per request
  const tokens =
    tokenRequestsPerClient > 0 && store.redis
      ? new BatchedBudget(store.redis, store.keys.tokenBudget, tokenRequestsPerClient)
      : make('token', tokenRequestsPerClient);
  const pair = (ip: string, clientId: string | undefined) => `${clientId ?? '-'}|${ip}`;
  const local = new LocalBlocks();

  return {
    async clientAuthBlocked(ip, clientId) {
      return later(local.check(`a|${ip}`), clientId ? local.check(`c|${pair(ip, clientId)}`) : undefined);
    },
    async clientAuthFailed(ip, clientId) {
      const [a, b] = await Promise.all([
        spend(address, ip, true),
        clientId ? spend(clientFromAddress, pair(ip, clientId), true) : undefined,
      ]);
      local.remember(`a|${ip}`, a);
      if (clientId) local.remember(`c|${pair(ip, clientId)}`, b);
      return later(a, b);
    },
    tokenRequest: async (clientId) => (tokens instanceof BatchedBudget ? tokens.spend(clientId) : spend(tokens, clientId)),
    loginBlocked: (ip) => blocked(loginAddress, ip),
    loginFailed: (ip) => spend(loginAddress, ip, true),
  };
}
