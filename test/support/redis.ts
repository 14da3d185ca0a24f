import { randomBytes } from 'node:crypto';

import { Cluster, Redis } from 'ioredis';

import { parseRedisUrl, type RedisTarget } from '../../adapters/redis_url.ts';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  /** A plain connection for probing (TTL, MEMORY USAGE…); not the store's. A Cluster when the URL names one. */
  client: Redis | Cluster;
  /** A connection to every master: one for a single Redis or Sentinel, each node's for a Cluster (MONITOR, SCAN). */
  masters(): Redis[];
  url: string;
  /** Unique to this run, e.g. `valtuus-test-3f9a…:`; every key the tests create starts with it. */
  prefix: string;
  /** Deletes this run's keys (on every master) and closes the probe connection. */
  cleanup(): Promise<void>;
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  return url.replace(/\/\/[^@/?#]*@/, '//***@');
}

function probeClient(url: string, target: RedisTarget): Redis | Cluster {
  const failOnce = { connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null };
  if (target.mode === 'single') return new Redis(url, { ...failOnce, lazyConnect: true });
  const { username, password } = target;
  if (target.mode === 'sentinel') {
    const { sentinels, masterName: name, sentinelPassword } = target;
    return new Redis({ ...failOnce, lazyConnect: true, sentinels: [...sentinels], name, username, password, sentinelPassword });
  }
  return new Cluster([...target.nodes], {
    lazyConnect: true,
    scaleReads: 'master',
    clusterRetryStrategy: () => null,
    redisOptions: { connectTimeout: 2000, username, password, ...(target.tls ? { tls: {} } : {}) },
  });
}

async function connect(url: string): Promise<Redis | Cluster> {
  const client = probeClient(url, parseRedisUrl(url));
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    throw new Error(`no Redis answers at ${redacted(url)}: start one (redis-server) or set REDIS_URL`);
  }
}

function mastersOf(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

async function scanNode(node: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Every key under `prefix`, from every master. */
export async function scanKeys(test: Pick<TestRedis, 'masters'>, prefix: string): Promise<string[]> {
  return (await Promise.all(test.masters().map((node) => scanNode(node, prefix)))).flat();
}

/** One UNLINK per key: on a Cluster node, one command may not span slots. */
async function deleteKeys(node: Redis, prefix: string): Promise<void> {
  const keys = await scanNode(node, prefix);
  if (keys.length > 0) await node.pipeline(keys.map((key) => ['unlink', key])).exec();
}

/** A probe on the Redis named by `url` (REDIS_URL by default: any form, single, Sentinel or Cluster). */
export async function openTestRedis(url = redisUrl): Promise<TestRedis> {
  const client = await connect(url);
  const prefix = `valtuus-test-${randomBytes(6).toString('hex')}:`;
  return {
    client,
    masters: () => mastersOf(client),
    url,
    prefix,
    async cleanup() {
      await Promise.all(mastersOf(client).map((node) => deleteKeys(node, prefix)));
      await client.quit();
    },
  };
}
