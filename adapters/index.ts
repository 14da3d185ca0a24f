export { createMemoryStore } from './memory.ts';
export type { MemoryStore, MemoryStoreOptions } from './memory.ts';
export { createRedisStore, createRedisStoreFromClient, redisConnectionOptions } from './redis.ts';
export type { RedisStoreOptions, RedisStoreFromClientOptions } from './redis.ts';
export { isStoreUnavailable, StoreUnavailableError } from './errors.ts';
export { keyLayout } from './keys.ts';
export type { KeyLayout } from './keys.ts';
export type { Adapter, AdapterFactory, AdapterPayload, Store } from './types.ts';
