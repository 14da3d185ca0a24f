import type { Store } from '../../adapters/types.ts';

/**
 * Marks that can be set once while they live (Redis `SET NX PX`; a map in the one-process
 * sandbox): the first caller wins, every caller after it until the mark expires loses.
 */
export interface OnceMarks {
  claim(key: string, ttlMs: number): Promise<boolean>;
}

function memoryMarks(now: () => number): OnceMarks {
  const until = new Map<string, number>();
  return {
    async claim(key, ttlMs) {
      const t = now();
      if ((until.get(key) ?? 0) > t) return false;
      if (until.size > 100_000) for (const [k, end] of until) if (end <= t) until.delete(k); // bounded
      until.set(key, t + ttlMs);
      return true;
    },
  };
}

export function createOnceMarks(store: Pick<Store, 'redis'>, now: () => number = Date.now): OnceMarks {
  const { redis } = store;
  if (!redis) return memoryMarks(now);
  return {
    async claim(key, ttlMs) {
      return (await redis.set(key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    },
  };
}
