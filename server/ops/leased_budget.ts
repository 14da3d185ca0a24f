import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { runScript, type RedisClient } from '../../adapters/redis_script_runner.ts';
import type { Attempt, Reserved } from './attempts.ts';

/** What the store answers to a lease: this holder's points now, the kept failures, and ms until they lapse. */
export interface LeaseState {
  held: number;
  failures: number;
  failuresTtlMs: number;
}

/**
 * The shared half of a failure budget (README "Operations"): per key, the failures kept in the
 * window and the points each process holds on lease for attempts in flight. The store keeps
 * failures + all leases ≤ points, atomically; a lease lapses `leaseMs` after it was last taken.
 */
export interface LeaseStore {
  /** Sets this holder's lease to `desired` points, or as near as the budget allows (never below what it gives back). */
  lease(key: string, holder: string, desired: number, points: number, leaseMs: number): Promise<LeaseState>;
  /** One leased point becomes a kept failure; answers the failures now kept. */
  fail(key: string, holder: string, windowMs: number): Promise<{ failures: number; ttlMs: number }>;
}

interface Held {
  /** points this process holds in the store for this key */
  leased: number;
  inFlight: number;
  /** the most attempts in flight or waiting since the lease was last renewed: what to renew it to */
  peak: number;
  waiting: number;
  /** monotonic ms: the store forgets the lease from then on */
  validUntil: number;
  /** monotonic ms until which the kept failures spend the budget, with their retry-after */
  spentUntil: number;
  /** failures kept here so far: those sent after a lease request are not in its answer yet */
  kept: number;
  waiters: Set<() => void>;
  leasing: Promise<void> | undefined;
}

const LEASE_MS = 2_000;
const SWEEP_MS = 100;
const WAIT_MS = 20;
const MAX_WAIT_MS = 1_000; // honest attempts in flight finish, and idle leases come back, long before

/**
 * A per-minute budget of failures that also bounds the attempts in flight, so that of any
 * burst at most the budget is evaluated, across every process (README "Operations"). Each
 * process leases points from the store for its attempts in flight and reuses them locally:
 * an attempt that succeeds costs the store nothing, a failure one script, and a lease is
 * renewed while the key is in use, and what a process stops needing goes back within
 * two tenths of a second. No library leases
 * a share of a shared budget to each process (rate-limiter-flexible asks the store for every
 * attempt), hence this piece.
 */
export class LeasedBudget {
  readonly #store: LeaseStore;
  readonly #points: number;
  readonly #windowMs: number;
  readonly #holder = randomUUID();
  readonly #held = new Map<string, Held>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(store: LeaseStore, points: number, windowSeconds = 60) {
    this.#store = store;
    this.#points = points;
    this.#windowMs = windowSeconds * 1000;
  }

  /** An attempt at once when this process holds a free point of `key`'s lease (the hot path), else undefined. */
  reserveNow(key: string): Attempt | undefined {
    const held = this.#held.get(key);
    if (!held || held.waiting > 0) return undefined;
    const now = performance.now();
    if (now >= held.validUntil || now < held.spentUntil || held.inFlight >= held.leased) return undefined;
    held.inFlight += 1;
    held.peak = Math.max(held.peak, held.inFlight);
    return this.#attempt(key, held);
  }

  /** Store errors are thrown; the caller decides whether to go on without the budget. */
  async reserve(key: string): Promise<Reserved> {
    const held = this.#entry(key);
    const deadline = performance.now() + MAX_WAIT_MS;
    held.waiting += 1;
    try {
      for (;;) {
        const now = performance.now();
        if (now < held.spentUntil) return { retryAfter: Math.max(1, Math.ceil((held.spentUntil - now) / 1000)) };
        if (now >= held.validUntil) held.leased = 0;
        if (held.inFlight < held.leased) {
          held.inFlight += 1;
          held.peak = Math.max(held.peak, held.inFlight + held.waiting - 1);
          return { attempt: this.#attempt(key, held) };
        }
        held.peak = Math.max(held.peak, held.inFlight + held.waiting);
        const before = held.leased;
        await this.#grow(key, held);
        if (held.leased > before || performance.now() < held.spentUntil) continue;
        if (performance.now() >= deadline) return { retryAfter: 1, busy: true };
        await this.#wait(held);
      }
    } finally {
      held.waiting -= 1;
    }
  }

  #entry(key: string): Held {
    let held = this.#held.get(key);
    if (!held) {
      held = { leased: 0, inFlight: 0, peak: 0, waiting: 0, validUntil: 0, spentUntil: 0, kept: 0, waiters: new Set(), leasing: undefined };
      this.#held.set(key, held);
      this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
    }
    return held;
  }

  /** One lease request per key at a time: the others in this process wait for its answer. */
  #grow(key: string, held: Held): Promise<void> {
    held.leasing ??= this.#lease(key, held, Math.min(this.#points, held.inFlight + held.waiting)).finally(() => {
      held.leasing = undefined;
    });
    return held.leasing;
  }

  async #lease(key: string, held: Held, desired: number): Promise<void> {
    const sentAt = performance.now();
    const kept = held.kept;
    const state = await this.#store.lease(key, this.#holder, desired, this.#points, LEASE_MS);
    held.leased = Math.max(0, state.held - (held.kept - kept)); // the store runs our later failures after this lease
    held.validUntil = state.held > 0 ? sentAt + LEASE_MS : 0;
    if (state.failures >= this.#points) held.spentUntil = sentAt + Math.max(state.failuresTtlMs, 1);
  }

  /** Until an attempt here settles, or a moment passes (another process may give points back). */
  #wait(held: Held): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        held.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, WAIT_MS);
      held.waiters.add(done);
    });
  }

  #settled(held: Held): void {
    held.inFlight -= 1;
    const [next] = held.waiters;
    next?.();
  }

  #attempt(key: string, held: Held): Attempt {
    let settled = false;
    return {
      release: async () => {
        if (settled) return;
        settled = true;
        this.#settled(held);
      },
      keep: async () => {
        if (settled) return false;
        settled = true;
        held.leased = Math.max(0, held.leased - 1);
        held.kept += 1;
        this.#settled(held);
        const sentAt = performance.now();
        const { failures, ttlMs } = await this.#store.fail(key, this.#holder, this.#windowMs);
        if (failures >= this.#points) held.spentUntil = sentAt + Math.max(ttlMs, 1);
        return failures >= this.#points;
      },
    };
  }

  /**
   * Every SWEEP_MS: each lease is set to the most this process needed since the last sweep,
   * so that points it no longer needs go back to the other processes within two sweeps; a
   * lease in use is renewed before it lapses; keys no longer in use are forgotten.
   */
  #sweep(): void {
    const now = performance.now();
    for (const [key, held] of this.#held) {
      if (held.leasing || held.waiting > 0) continue;
      if (now >= held.validUntil) held.leased = 0;
      const desired = Math.max(held.peak, held.inFlight);
      held.peak = held.inFlight;
      if (held.leased === 0) {
        if (held.inFlight === 0 && now >= held.spentUntil) this.#held.delete(key);
        continue;
      }
      if (desired >= held.leased && now < held.validUntil - LEASE_MS / 2) continue;
      held.leasing = this.#lease(key, held, Math.min(desired, held.leased))
        .catch(() => undefined) // the lease lapses on its own
        .finally(() => {
          held.leasing = undefined;
        });
    }
    if (this.#held.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

interface MemoryKey {
  leases: Map<string, { held: number; until: number }>;
  failures: number;
  failuresUntil: number;
}

/** The lease store of a single process (the memory store): the same rules, in a Map. */
export class MemoryLeaseStore implements LeaseStore {
  readonly #keys = new Map<string, MemoryKey>();

  #key(key: string, now: number): MemoryKey {
    let entry = this.#keys.get(key);
    if (!entry) this.#keys.set(key, (entry = { leases: new Map(), failures: 0, failuresUntil: 0 }));
    if (now >= entry.failuresUntil) entry.failures = 0;
    for (const [holder, lease] of entry.leases) if (now >= lease.until) entry.leases.delete(holder);
    return entry;
  }

  #forget(key: string, entry: MemoryKey): void {
    if (entry.leases.size === 0 && entry.failures === 0) this.#keys.delete(key);
  }

  async lease(key: string, holder: string, desired: number, points: number, leaseMs: number): Promise<LeaseState> {
    const now = Date.now();
    const entry = this.#key(key, now);
    let others = 0;
    for (const [h, lease] of entry.leases) if (h !== holder) others += lease.held;
    const held = Math.max(0, Math.min(desired, points - entry.failures - others));
    if (held > 0) entry.leases.set(holder, { held, until: now + leaseMs });
    else entry.leases.delete(holder);
    const state = { held, failures: entry.failures, failuresTtlMs: entry.failures ? entry.failuresUntil - now : 0 };
    this.#forget(key, entry);
    return state;
  }

  async fail(key: string, holder: string, windowMs: number): Promise<{ failures: number; ttlMs: number }> {
    const now = Date.now();
    const entry = this.#key(key, now);
    const lease = entry.leases.get(holder);
    if (lease && lease.held > 1) lease.held -= 1;
    else entry.leases.delete(holder);
    if (entry.failures === 0) entry.failuresUntil = now + windowMs;
    entry.failures += 1;
    return { failures: entry.failures, ttlMs: entry.failuresUntil - now };
  }
}

/*
 * KEYS[1]: the hash of leases, holder → "<points>:<expiry ms>"; KEYS[2]: the failures kept in
 * the window. Both share the key's hash tag, so that a Cluster keeps them on one node.
 */
const LEASE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
local others = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local held, expiry = string.match(all[i + 1], '^(%d+):(%d+)$')
  if tonumber(expiry) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i] ~= ARGV[1] then
    others = others + tonumber(held)
  end
end
local held = math.max(0, math.min(tonumber(ARGV[2]), tonumber(ARGV[3]) - failures - others))
if held > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], held .. ':' .. (now + tonumber(ARGV[4])))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local ttl = 0
if failures > 0 then ttl = redis.call('PTTL', KEYS[2]) end
return {held, failures, ttl}
`;

const FAIL_LUA = `
local lease = redis.call('HGET', KEYS[1], ARGV[1])
if lease then
  local held, expiry = string.match(lease, '^(%d+):(%d+)$')
  if tonumber(held) > 1 then
    redis.call('HSET', KEYS[1], ARGV[1], (tonumber(held) - 1) .. ':' .. expiry)
  else
    redis.call('HDEL', KEYS[1], ARGV[1])
  end
end
local failures = redis.call('INCR', KEYS[2])
if failures == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return {failures, redis.call('PTTL', KEYS[2])}
`;

/** The lease store shared by every process, in Redis: one script per lease or failure. */
export class RedisLeaseStore implements LeaseStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  /** `prefix`: the budget's own key prefix (store.keys.limiter(name)). */
  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #keys(key: string): string[] {
    const tagged = `${this.#prefix}:{${key}}`;
    return [`${tagged}:leases`, `${tagged}:failures`];
  }

  async lease(key: string, holder: string, desired: number, points: number, leaseMs: number): Promise<LeaseState> {
    const [held, failures, ttl] = await runScript<[number, number, number]>(this.#redis, LEASE_LUA, this.#keys(key), [
      holder,
      desired,
      points,
      leaseMs,
    ]);
    return { held, failures, failuresTtlMs: Math.max(0, ttl) };
  }

  async fail(key: string, holder: string, windowMs: number): Promise<{ failures: number; ttlMs: number }> {
    const [failures, ttl] = await runScript<[number, number]>(this.#redis, FAIL_LUA, this.#keys(key), [holder, windowMs]);
    return { failures, ttlMs: Math.max(0, ttl) };
  }
}
