import { createHash } from 'node:crypto';

import { LRUCache } from 'lru-cache';

/** Cache keys for secrets: a token or proof never sits in memory as a key, only its digest. */
export function digestKey(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('base64url');
}

/** What the introspection and DPoP replay caches need: entries that expire, within a bound. */
export interface ExpiringCache<V> {
  get(key: string): V | undefined;
  /** Keeps the value for ttlMs; a ttl of zero or less stores nothing. */
  set(key: string, value: V, ttlMs: number): void;
  readonly size: number;
}

/**
 * An lru-cache bounded in size, so that a flood of distinct tokens cannot grow it without
 * limit (the least recently used entry goes first); a bound of zero caches nothing.
 * `now` (ms) is for tests.
 */
export function expiringCache<V extends NonNullable<unknown>>(maxEntries: number, now?: () => number): ExpiringCache<V> {
  if (maxEntries <= 0) return { get: () => undefined, set: () => undefined, size: 0 };
  const lru = new LRUCache<string, V>({ max: maxEntries, ttlResolution: 0, ...(now ? { perf: { now } } : {}) });
  return {
    get: (key) => lru.get(key),
    set(key, value, ttlMs) {
      // lru-cache reads a ttl of 0 as "forever"
      if (ttlMs > 0) lru.set(key, value, { ttl: ttlMs });
    },
    get size() {
      return lru.size;
    },
  };
}
