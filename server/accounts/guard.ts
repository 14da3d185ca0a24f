import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

import { asStoreError } from '../../adapters/errors.ts';
import type { Store } from '../../adapters/types.ts';
import { reserve, type Attempt } from '../ops/attempts.ts';

/**
 * The login counters of README "Lockout": failed passwords per account and source, failed
 * one-time codes per account (whose block is the account-wide SCA lock), and the last code
 * step used. Each attempt is reserved before it is evaluated, so a burst of concurrent
 * guesses gets at most `maxFailures` evaluated (PSD2 RTS Art. 4(3)(b)).
 */
export interface LoginGuard {
  /** One password attempt on an account from one source; undefined when that source's budget is spent. */
  reservePassword(sub: string, source: string): Promise<GuardedAttempt | undefined>;
  /** One one-time-code attempt on an account; undefined while the account is locked. */
  reserveCode(sub: string): Promise<GuardedAttempt | undefined>;
  /** The account-wide SCA lock. */
  isLocked(sub: string): Promise<boolean>;
  /** Accepts a one-time code's step only if it is later than every step used before (a code works once). */
  useTotpStep(sub: string, step: number): Promise<boolean>;
  /** Both factors were right: this source's password failures and the code failures (the reserved attempt's point with them) are forgotten. */
  succeeded(sub: string, source: string): Promise<void>;
  /** Lifts the account-wide lock and forgets code failures (`user unlock`, `user delete`). */
  reset(sub: string): Promise<void>;
}

/** `keep()` is true when the failure used the last attempt: the block (lock) begins there. */
export type GuardedAttempt = Attempt;

export interface LoginGuardOptions {
  maxFailures: number;
  lockSeconds: number;
  /** How long failures are remembered; a success clears them. */
  failureMemorySeconds: number;
  usedStepMemorySeconds: number;
}

const USE_STEP_LUA = `
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

interface Backend {
  failures: RateLimiterAbstract;
  useStep(sub: string, step: number): Promise<boolean>;
  /** points consumed on a key (a block holds more than the budget); 0 when there are none */
  consumed(key: string): Promise<number>;
  /** forgets the keys (one command where there is a store) */
  forget(keys: string[]): Promise<void>;
}

function redisBackend(client: Redis | Cluster, store: Store, options: LoginGuardOptions): Backend {
  // no in-memory block here: `user unlock` must take effect in every process at once
  const failures = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: store.keys.loginGuardLimiter,
    points: options.maxFailures,
    duration: options.failureMemorySeconds,
    blockDuration: options.lockSeconds,
  });
  return {
    failures,
    useStep: async (sub, step) =>
      (await client.eval(USE_STEP_LUA, 1, store.keys.loginGuard(sub).step, step, options.usedStepMemorySeconds)) === 1,
    // the limiter's value is its consumed points; one GET, where its own get() adds the key's PTTL in a transaction
    consumed: async (key) => Number((await client.get(failures.getKey(key))) ?? 0),
    // one account's keys share its {sub} hash tag: one DEL reaches them on a Cluster too
    forget: async (keys) => {
      await client.del(...keys.map((k) => failures.getKey(k)));
    },
  };
}

interface Backends {
  failures: RateLimiterMemory;
  steps: Map<string, { step: number; expiresAt: number }>;
}
// Every app built over one memory store shares its counters, as they would share Redis.
const memoryBackends = new WeakMap<Store, Backends>();

function memoryBackend(store: Store, options: LoginGuardOptions): Backend {
  let shared = memoryBackends.get(store);
  if (!shared) {
    shared = {
      failures: new RateLimiterMemory({
        keyPrefix: store.keys.loginGuardLimiter,
        points: options.maxFailures,
        duration: options.failureMemorySeconds,
        blockDuration: options.lockSeconds,
      }),
      steps: new Map(),
    };
    memoryBackends.set(store, shared);
  }
  const { steps } = shared;
  const memoryFailures = shared.failures;
  return {
    failures: memoryFailures,
    consumed: async (key) => (await memoryFailures.get(key))?.consumedPoints ?? 0,
    forget: async (keys) => {
      await Promise.all(keys.map((k) => memoryFailures.delete(k)));
    },
    async useStep(sub, step) {
      const last = steps.get(sub);
      if (last && last.expiresAt > Date.now() && step <= last.step) return false;
      steps.set(sub, { step, expiresAt: Date.now() + options.usedStepMemorySeconds * 1000 });
      return true;
    },
  };
}

/** The store's client has no offline queue: wait briefly for a (re)connection, and Redis trouble is the store's 503. */
function storeCommand(store: Store) {
  return async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      if (store.redis && store.redis.status !== 'ready') await store.ping();
      return await command();
    } catch (err) {
      throw asStoreError(err);
    }
  };
}

export function createLoginGuard(store: Store, options: LoginGuardOptions): LoginGuard {
  const { failures, useStep, consumed, forget } = store.redis ? redisBackend(store.redis, store, options) : memoryBackend(store, options);
  const run = storeCommand(store);
  const keys = (sub: string) => store.keys.loginGuard(sub);

  async function reserveKey(key: string): Promise<GuardedAttempt | undefined> {
    const { attempt } = await run(() => reserve(failures, key));
    if (!attempt) return undefined;
    return {
      release: () => run(() => attempt.release()),
      async keep() {
        if (!(await attempt.keep())) return false;
        await run(() => failures.block(key, options.lockSeconds)); // the lock runs from the last allowed failure
        return true;
      },
    };
  }

  return {
    reservePassword: (sub, source) => reserveKey(keys(sub).password(source)),
    reserveCode: (sub) => reserveKey(keys(sub).code),
    async isLocked(sub) {
      return (await run(() => consumed(keys(sub).code))) > options.maxFailures;
    },
    useTotpStep: (sub, step) => run(() => useStep(sub, step)),
    async succeeded(sub, source) {
      await run(() => forget([keys(sub).password(source), keys(sub).code]));
    },
    async reset(sub) {
      await run(() => forget([keys(sub).code]));
    },
  };
}
