import { asStoreError } from '../../adapters/errors.ts';
import { runScript, type RedisClient } from '../../adapters/redis_script_runner.ts';
import type { Store } from '../../adapters/types.ts';
import type { Attempt } from '../ops/attempts.ts';

/**
 * The login counters of README "Lockout": failed passwords per account and source, failed
 * one-time codes per account (whose block is the account-wide SCA lock), and the last code
 * step used. Each attempt is reserved before it is evaluated, so a burst of concurrent
 * guesses gets at most `maxFailures` evaluated (PSD2 RTS Art. 4(3)(b)).
 */
export interface LoginGuard {
  /** One password attempt on an account from one source; undefined when that source's budget is spent or the account is locked. */
  reservePassword(sub: string, source: string): Promise<GuardedAttempt | undefined>;
  /** One one-time-code attempt on an account; undefined while the account is locked. */
  reserveCode(sub: string): Promise<GuardedAttempt | undefined>;
  /** The account-wide SCA lock. */
  isLocked(sub: string): Promise<boolean>;
  /**
   * Accepts a one-time code's step only if it is later than every step used before (a code
   * works once). Accepted, both factors were right: this source's password failures and the
   * code failures (the reserved attempt's point with them) are forgotten.
   */
  useTotpStep(sub: string, step: number, source: string): Promise<boolean>;
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

/**
 * The counters' stored form is the one rate-limiter-flexible wrote before (so counters kept
 * across an upgrade still count): the points taken, expiring `failureMemorySeconds` after the
 * first; a block is `maxFailures + 1` expiring after `lockSeconds`.
 *
 * Reserve: KEYS[1] the counter, KEYS[2] (optional) a counter whose block refuses this one too
 * (a password on an account under the SCA lock). ARGV[1] maxFailures, ARGV[2] memory (s).
 * Returns the points now taken, or -1 when refused (the budget is spent or blocked, or KEYS[2]
 * blocks): a refusal takes nothing.
 */
const RESERVE_LUA = `
local max = tonumber(ARGV[1])
if KEYS[2] and tonumber(redis.call('GET', KEYS[2]) or '0') > max then return -1 end
if redis.call('SET', KEYS[1], 1, 'EX', ARGV[2], 'NX') then return 1 end
local taken = redis.call('INCR', KEYS[1])
if taken <= max then return taken end
redis.call('DECR', KEYS[1])
return -1`;

/** Release: gives the point back; a counter that was gone meanwhile is not left behind without expiry. */
const RELEASE_LUA = `
if redis.call('DECR', KEYS[1]) < 0 then redis.call('DEL', KEYS[1]) end
return 1`;

/**
 * The code's step: KEYS[1] the last step used, KEYS[2..] the counters a success forgets. ARGV[1]
 * the step, ARGV[2] how long it is remembered (s). 1 accepted, 0 not later than the last.
 */
const USE_STEP_LUA = `
local last = redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'GET')
if last and tonumber(ARGV[1]) <= tonumber(last) then
  redis.call('SET', KEYS[1], last, 'EX', ARGV[2])
  return 0
end
redis.call('DEL', unpack(KEYS, 2))
return 1`;

/** What each backend does in one atomic step (one script on Redis; synchronous in memory). */
interface Backend {
  /** the points taken on `key` with this one, or -1 when refused (spent, or `blockedBy` blocked): then nothing is taken */
  reserve(key: string, blockedBy?: string): Promise<number>;
  release(key: string): Promise<void>;
  block(key: string): Promise<void>;
  /** points taken on a key; 0 when there are none */
  taken(key: string): Promise<number>;
  useStep(stepKey: string, step: number, forget: string[]): Promise<boolean>;
  forget(keys: string[]): Promise<void>;
}

// one account's keys share its {sub} hash tag (adapters/keys.ts): each script and DEL stays in one Cluster slot
function redisBackend(client: RedisClient, options: LoginGuardOptions): Backend {
  const { maxFailures, failureMemorySeconds, lockSeconds, usedStepMemorySeconds } = options;
  return {
    reserve: (key, blockedBy) =>
      runScript<number>(client, RESERVE_LUA, blockedBy ? [key, blockedBy] : [key], [maxFailures, failureMemorySeconds]),
    release: async (key) => void (await runScript(client, RELEASE_LUA, [key], [])),
    block: async (key) => void (await client.set(key, maxFailures + 1, 'EX', lockSeconds)),
    taken: async (key) => Number((await client.get(key)) ?? 0),
    useStep: async (stepKey, step, forget) =>
      (await runScript<number>(client, USE_STEP_LUA, [stepKey, ...forget], [step, usedStepMemorySeconds])) === 1,
    forget: async (keys) => void (await client.del(...keys)),
  };
}

interface Counter {
  value: number;
  expiresAt: number;
}
// Every app built over one memory store shares its counters, as they would share Redis.
const memoryCounters = new WeakMap<Store, Map<string, Counter>>();

function memoryBackend(store: Store, options: LoginGuardOptions): Backend {
  let counters = memoryCounters.get(store);
  if (!counters) memoryCounters.set(store, (counters = new Map()));
  const live = (key: string) => {
    const counter = counters.get(key);
    if (counter && counter.expiresAt > Date.now()) return counter;
    counters.delete(key);
    return undefined;
  };
  const put = (key: string, value: number, seconds: number) => counters.set(key, { value, expiresAt: Date.now() + seconds * 1000 });
  return {
    async reserve(key, blockedBy) {
      if (blockedBy && (live(blockedBy)?.value ?? 0) > options.maxFailures) return -1;
      const counter = live(key);
      if (!counter) {
        put(key, 1, options.failureMemorySeconds);
        return 1;
      }
      if (counter.value >= options.maxFailures) return -1;
      return (counter.value += 1);
    },
    async release(key) {
      const counter = live(key);
      if (counter) counter.value -= 1;
    },
    block: async (key) => void put(key, options.maxFailures + 1, options.lockSeconds),
    taken: async (key) => live(key)?.value ?? 0,
    async useStep(stepKey, step, forget) {
      const last = live(stepKey);
      if (last && step <= last.value) return false;
      put(stepKey, step, options.usedStepMemorySeconds);
      for (const key of forget) counters.delete(key);
      return true;
    },
    forget: async (keys) => keys.forEach((key) => counters.delete(key)),
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
  const backend = store.redis ? redisBackend(store.redis, options) : memoryBackend(store, options);
  const run = storeCommand(store);
  const counter = (key: string) => `${store.keys.loginGuardLimiter}:${key}`;
  const keys = (sub: string) => {
    const guard = store.keys.loginGuard(sub);
    return { step: guard.step, code: counter(guard.code), password: (source: string) => counter(guard.password(source)) };
  };

  async function reserveKey(key: string, blockedBy?: string): Promise<GuardedAttempt | undefined> {
    const taken = await run(() => backend.reserve(key, blockedBy));
    if (taken < 0) return undefined;
    return {
      release: () => run(() => backend.release(key)),
      async keep() {
        if (taken < options.maxFailures) return false;
        await run(() => backend.block(key)); // the lock runs from the last allowed failure
        return true;
      },
    };
  }

  return {
    reservePassword: (sub, source) => reserveKey(keys(sub).password(source), keys(sub).code),
    reserveCode: (sub) => reserveKey(keys(sub).code),
    async isLocked(sub) {
      return (await run(() => backend.taken(keys(sub).code))) > options.maxFailures;
    },
    useTotpStep: (sub, step, source) => run(() => backend.useStep(keys(sub).step, step, [keys(sub).password(source), keys(sub).code])),
    reset: (sub) => run(() => backend.forget([keys(sub).code])),
  };
}
