import type { Store } from '../../adapters/types.ts';

/**
 * Each customer's waiting decoupled requests, newest expiry last: what the approval page
 * lists, and the bound on how many may wait at once (a flood from any number of clients
 * stops at `max` per customer). One sorted set per customer, scored by expiry in ms.
 */
export interface PendingRequests {
  /** Adds the request unless `max` are waiting already; atomic, so concurrent adds never pass the bound. */
  add(sub: string, authReqId: string, expiresAtMs: number, max: number): Promise<boolean>;
  list(sub: string): Promise<string[]>;
  remove(sub: string, authReqId: string): Promise<void>;
}

// drop the expired, refuse past the bound, add, and let the set expire with its last member
const ADD_BOUNDED = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

function memoryPending(now: () => number): PendingRequests {
  const sets = new Map<string, Map<string, number>>();
  const live = (sub: string) => {
    const set = sets.get(sub) ?? new Map<string, number>();
    for (const [id, exp] of set) if (exp <= now()) set.delete(id);
    sets.set(sub, set);
    return set;
  };
  return {
    async add(sub, id, exp, max) {
      const set = live(sub);
      if (set.size >= max) return false;
      set.set(id, exp);
      return true;
    },
    async list(sub) {
      return [...live(sub).entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    },
    async remove(sub, id) {
      live(sub).delete(id);
    },
  };
}

export function createPendingRequests(store: Pick<Store, 'redis' | 'keys'>, now: () => number = Date.now): PendingRequests {
  const { redis, keys } = store;
  if (!redis) return memoryPending(now);
  const key = (sub: string) => keys.ciba('pending', sub);
  return {
    async add(sub, id, exp, max) {
      return (await redis.eval(ADD_BOUNDED, 1, key(sub), now(), exp, id, max)) === 1;
    },
    async list(sub) {
      return redis.zrangebyscore(key(sub), now(), '+inf');
    },
    async remove(sub, id) {
      await redis.zrem(key(sub), id);
    },
  };
}
