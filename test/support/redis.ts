import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  /** A plain connection for probing (TTL, MEMORY USAGE, MONITOR…); not the store's. */
  client: Redis;
  url: string;
  /** Unique to this run, e.g. `valtuus-test-3f9a…:`; every key the tests create starts with it. */
  prefix: string;
  /** Deletes this run's keys and closes the probe connection. */
  cleanup(): Promise<void>;
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable REDIS_URL>';
  }
}

async function connect(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

export async function openTestRedis(): Promise<TestRedis> {
  const client = await connect(redisUrl);
  const prefix = `valtuus-test-${randomBytes(6).toString('hex')}:`;
  return {
    client,
    url: redisUrl,
    prefix,
    async cleanup() {
      await deleteKeys(client, prefix);
      await client.quit();
    },
  };
}
