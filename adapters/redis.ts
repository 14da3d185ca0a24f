import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

import { createAdapterFactory } from './adapter.ts';
import { keyLayout } from './keys.ts';
import { createRedisKeyspace } from './redis_keyspace.ts';
import type { RedisClient } from './redis_keyspace.ts';
import type { Store } from './types.ts';

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` (TLS). */
  url: string;
  /** Prepended to every key, e.g. `valtuus:`; must not contain `{` or `}`. */
  keyPrefix: string;
  /** How long to wait for a connection before a request fails (default 1000 ms). */
  connectTimeoutMs?: number;
  /** How long one command may take before it fails (default 1500 ms). */
  commandTimeoutMs?: number;
  /** Connection errors, e.g. for a logger; they repeat while Redis is down. */
  onError?: (err: Error) => void;
}

export interface RedisStoreFromClientOptions {
  /** How long a request waits for a (re)connection before it fails (default 1000 ms). */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 1000; // fail a request well inside a 2 s budget
const DEFAULT_COMMAND_TIMEOUT_MS = 1500;
const MAX_RECONNECT_DELAY_MS = 2000; // retry forever, at least every 2 s, so the store heals by itself

function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);
}

/** Fail fast instead of queueing: no offline queue, no replay of commands whose caller already gave up. */
export function redisConnectionOptions(options: RedisStoreOptions): RedisOptions {
  return {
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    // After a failover the old primary answers READONLY: reconnect to find the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

/** A store over an existing ioredis client or Cluster; the store owns it from now on (close() quits it). */
export function createRedisStoreFromClient(client: RedisClient, keyPrefix: string, options: RedisStoreFromClientOptions = {}): Store {
  const keys = keyLayout(keyPrefix);
  const keyspace = createRedisKeyspace(client, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  return {
    kind: 'redis',
    adapter: createAdapterFactory({ keyspace, keys, now: Date.now }),
    redis: client,
    ping: () => keyspace.ping(),
    close: () => keyspace.close(),
  };
}

export function createRedisStore(options: RedisStoreOptions): Store {
  const keys = keyLayout(options.keyPrefix); // validate before connecting
  const client = new Redis(options.url, redisConnectionOptions(options));
  client.on('error', options.onError ?? (() => {}));
  return createRedisStoreFromClient(client, keys.prefix, { connectTimeoutMs: options.connectTimeoutMs });
}
