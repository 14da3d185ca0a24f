import { createAdapterFactory } from './adapter.ts';
import { redisPubSub } from './pubsub.ts';
import { keyLayout } from './keys.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, openRedisClient } from './redis_client.ts';
import type { RedisConnectionSettings } from './redis_client.ts';
import { createRedisKeyspace } from './redis_keyspace.ts';
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
}

export interface RedisStoreFromClientOptions {
  /** How long a request waits for a (re)connection before it fails (default 1000 ms). */
  connectTimeoutMs?: number;
  /** A subscription that could not be made (it is tried again at the next reconnection). */
  onSubscribeError?: (err: Error) => void;
}

/** A store over an existing ioredis client or Cluster; the store owns it from now on (close() quits it). */
export function createRedisStoreFromClient(client: RedisClient, keyPrefix: string, options: RedisStoreFromClientOptions = {}): Store {
  const keys = keyLayout(keyPrefix);
  const keyspace = createRedisKeyspace(client, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  return {
    kind: 'redis',
    adapter: createAdapterFactory({ keyspace, keys, now: Date.now }),
    keys,
    pubsub: redisPubSub(client, options.onSubscribeError ?? (() => undefined)),
    redis: client,
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
    ...(options.onError ? { onSubscribeError: options.onError } : {}),
  });
}
