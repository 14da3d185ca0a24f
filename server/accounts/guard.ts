import type { Cluster, Redis } from 'ioredis';

import { asStoreError } from '../../adapters/errors.ts';
import type { KeyLayout } from '../../adapters/keys.ts';
import type { Store } from '../../adapters/types.ts';

/**
 * Per-account counters that must change atomically even when many requests race: failed
 * attempts, the lock they lead to, and the last one-time-code step used. They live beside the
 * store's objects (Redis keys with a TTL, or process memory for the sandbox) because the
 * adapter interface has no atomic increment or compare-and-set.
 */
export interface LoginGuard {
  isLocked(sub: string): Promise<boolean>;
  /** Counts one failure; returns true when it locked the account. */
  recordFailure(sub: string): Promise<boolean>;
  clearFailures(sub: string): Promise<void>;
  /** Accepts a one-time code's step only if it is later than every step used before (a code works once). */
  useTotpStep(sub: string, step: number): Promise<boolean>;
  /** Clears the lock and the failure count (`user unlock`, `user delete`). */
  reset(sub: string): Promise<void>;
}

export interface LoginGuardOptions {
  maxFailures: number;
  lockSeconds: number;
  /** How long failures are remembered after the last one; a success clears them. */
  failureMemorySeconds: number;
  usedStepMemorySeconds: number;
}

// failures while locked do not count: the lock is reported once and is not extended
const RECORD_FAILURE_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

const USE_STEP_LUA = `
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/**
 * The store's client has no offline queue: like the store's own commands, these wait briefly
 * for a (re)connection (through the store's ping), and Redis trouble becomes the store's 503 error.
 */
function asStoreCommands(store: Store, guard: LoginGuard): LoginGuard {
  const client = store.redis!;
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(guard) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        if (client.status !== 'ready') await store.ping();
        return await fn(...args);
      } catch (err) {
        throw asStoreError(err);
      }
    };
  }
  return wrapped as unknown as LoginGuard;
}

function redisGuard(client: Redis | Cluster, keys: KeyLayout['loginGuard'], options: LoginGuardOptions): LoginGuard {
  return {
    async isLocked(sub) {
      return (await client.exists(keys(sub).lock)) === 1;
    },
    async recordFailure(sub) {
      const k = keys(sub);
      const locked = await client.eval(
        RECORD_FAILURE_LUA,
        2,
        k.failures,
        k.lock,
        options.maxFailures,
        options.lockSeconds,
        options.failureMemorySeconds,
      );
      return locked === 1;
    },
    async clearFailures(sub) {
      await client.del(keys(sub).failures);
    },
    async useTotpStep(sub, step) {
      return (await client.eval(USE_STEP_LUA, 1, keys(sub).step, step, options.usedStepMemorySeconds)) === 1;
    },
    async reset(sub) {
      const k = keys(sub);
      await client.del(k.failures, k.lock);
    },
  };
}

interface Entry {
  value: number;
  expiresAt: number;
}

function memoryGuard(entries: Map<string, Entry>, options: LoginGuardOptions): LoginGuard {
  const read = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) entries.delete(key);
    return entries.get(key)?.value;
  };
  const write = (key: string, value: number, ttlSeconds: number) => entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  return {
    async isLocked(sub) {
      return read(`lock:${sub}`) !== undefined;
    },
    async recordFailure(sub) {
      if (read(`lock:${sub}`) !== undefined) return false;
      const n = (read(`failures:${sub}`) ?? 0) + 1;
      if (n < options.maxFailures) {
        write(`failures:${sub}`, n, options.failureMemorySeconds);
        return false;
      }
      entries.delete(`failures:${sub}`);
      write(`lock:${sub}`, 1, options.lockSeconds);
      return true;
    },
    async clearFailures(sub) {
      entries.delete(`failures:${sub}`);
    },
    async useTotpStep(sub, step) {
      if (step <= (read(`step:${sub}`) ?? -1)) return false;
      write(`step:${sub}`, step, options.usedStepMemorySeconds);
      return true;
    },
    async reset(sub) {
      entries.delete(`failures:${sub}`);
      entries.delete(`lock:${sub}`);
    },
  };
}

// Every app built over one memory store shares its counters, as they would share Redis.
const memoryEntries = new WeakMap<Store, Map<string, Entry>>();

export function createLoginGuard(store: Store, options: LoginGuardOptions): LoginGuard {
  if (store.redis)
    return asStoreCommands(
      store,
      redisGuard(store.redis, (sub) => store.keys.loginGuard(sub), options),
    );
  let entries = memoryEntries.get(store);
  if (!entries) memoryEntries.set(store, (entries = new Map()));
  return memoryGuard(entries, options);
}
