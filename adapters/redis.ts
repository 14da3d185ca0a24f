import { createAdapterFactory, createRedeem } from './adapter.ts';
import { redisPubSub } from './pubsub.ts';
import { keyLayout } from './keys.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, openRedisClient } from './redis_client.ts';
import type { RedisConnectionSettings } from './redis_client.ts';
import { createRedisKeyspace } from './redis_keyspace.ts';
import { redisMemory } from './redis_memory.ts';
import type { RedisClient } from './redis_keyspace.ts';
import type { Store } from './types.ts';

export { redisConnectionOptions } from './redis_client.ts';

export interface RedisStoreOptions extends RedisConnectionSettings {
  /** Any REDIS_URL form (adapters/redis_url.ts): one Redis, Sentinel or Cluster, each with or without TLS. */
  url: string;
  /** Prepended to every key, e.g. `valtuus:`; must not contain `{` or `}`. */
  keyPrefix: string;
  /** Connection errors, e.g. for a logger; they repeat while Redis is down. */
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface RedisStoreFromClientOptions {
  /** How long a request waits for a (re)connection before it fails (default 1000 ms). */
  connectTimeoutMs?: number;
  /** Clock in ms for consumed records and the reuse grace window (default Date.now); tests pass their own. */
  now?: () => number;
  /** A subscription that could not be made (it is tried again at the next reconnection). */
  onSubscribeError?: (err: Error) => void;
}

/** A store over an existing ioredis client or Cluster; the store owns it from now on (close() quits it). */
export function createRedisStoreFromClient(client: RedisClient, keyPrefix: string, options: RedisStoreFromClientOptions = {}): Store {
  const keys = keyLayout(keyPrefix);
  const keyspace = createRedisKeyspace(client, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const context = { keyspace, keys, now: options.now ?? Date.now };
  return {
    kind: 'redis',
    adapter: createAdapterFactory(context),
    redeem: createRedeem(context),
    keys,
    pubsub: redisPubSub(client, options.onSubscribeError ?? (() => undefined)),
    redis: client,
    memory: () => keyspace.guard(() => redisMemory(client)),
    ping: () => keyspace.ping(),
    close: () => keyspace.close(),
  };
}

export function createRedisStore(options: RedisStoreOptions): Store {
  const keys = keyLayout(options.keyPrefix); // validate before connecting
  const client = openRedisClient(options.url, options);
  client.on('error', options.onError ?? (() => {}));
  return createRedisStoreFromClient(client, keys.prefix, {
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.now ? { now: options.now } : {}),
    ...(options.onError ? { onSubscribeError: options.onError } : {}),
  });
}
