import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import { createMemoryStore } from '../adapters/memory.ts';
import { createRedisStore } from '../adapters/redis.ts';

/** Redis when REDIS_URL is set; otherwise the in-memory sandbox (refused in production by config). */
export function openStore(config: Config, onError?: (err: Error) => void): Store {
  return config.redisUrl
    ? createRedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, ...(onError ? { onError } : {}) })
    : createMemoryStore();
}
