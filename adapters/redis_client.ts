import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';

import { parseRedisUrl } from './redis_url.ts';
import type { RedisCredentials, RedisTarget } from './redis_url.ts';

export interface RedisConnectionSettings {
  /** How long to wait for a connection before a request fails (default 1000 ms). */
  connectTimeoutMs?: number;
  /** How long one command may take before it fails (default 1500 ms). */
  commandTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 1000; // fail a request well inside a 2 s budget
const DEFAULT_COMMAND_TIMEOUT_MS = 1500;
const MAX_RECONNECT_DELAY_MS = 2000; // retry forever, at least every 2 s, so the store heals by itself

function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS);
}

function timeouts(settings: RedisConnectionSettings) {
  return {
    connectTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  };
}

/** Fail fast instead of queueing: no offline queue, no replay of commands whose caller already gave up. */
export function redisConnectionOptions(settings: RedisConnectionSettings): RedisOptions {
  return {
    ...timeouts(settings),
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    // commands issued in the same tick (many concurrent requests) go out in one write
    enableAutoPipelining: true,
    // After a failover the old primary answers READONLY: reconnect to find the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

function credentials({ username, password }: RedisCredentials): RedisOptions {
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function sentinelOptions(target: Extract<RedisTarget, { mode: 'sentinel' }>, settings: RedisConnectionSettings): RedisOptions {
  const { commandTimeout } = timeouts(settings);
  return {
    ...redisConnectionOptions(settings),
    ...credentials(target),
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.masterName,
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    sentinelCommandTimeout: commandTimeout,
    sentinelRetryStrategy: reconnectDelay,
    // Learn of a failover from the sentinels' +switch-master at once, not from the old master's errors.
    failoverDetector: true,
    ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/**
 * The Cluster's own options keep the single client's behaviour: no offline queue, reconnect forever.
 * Node connections take the timeouts and credentials; ioredis manages their reconnection itself.
 */
export function clusterOptions(target: Extract<RedisTarget, { mode: 'cluster' }>, settings: RedisConnectionSettings): ClusterOptions {
  return {
    scaleReads: 'master', // replicas lag: a token just issued must be found, a consumed code seen as consumed
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: timeouts(settings).connectTimeout,
    redisOptions: {
      ...timeouts(settings),
      ...credentials(target),
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      ...(target.tls ? { tls: {} } : {}),
    },
    // With TLS, keep host names as given so certificates are checked against them, not against resolved addresses.
    ...(target.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  };
}

/** A client for any REDIS_URL form: one Redis, a master found through Sentinel, or a Redis Cluster. */
export function openRedisClient(url: string, settings: RedisConnectionSettings): Redis | Cluster {
  const target = parseRedisUrl(url);
  switch (target.mode) {
    case 'single':
      return new Redis(url, redisConnectionOptions(settings));
    case 'sentinel':
      return new Redis(sentinelOptions(target, settings));
    case 'cluster':
      return new Cluster(
        target.nodes.map(({ host, port }) => ({ host, port })),
        clusterOptions(target, settings),
      );
  }
}
