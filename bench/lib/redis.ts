import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { freePort, waitFor } from './net.ts';
import { startProcess, stopProcess, type Managed } from './processes.ts';
import { median } from './stats.ts';

export interface PrivateRedis {
  readonly url: string;
  readonly process: Managed;
  readonly client: Redis;
  stop(): Promise<void>;
}

/**
 * A redis-server of the harness' own on a free loopback port: no persistence, nothing else
 * stored in it, so throughput and MEMORY USAGE say something about Valtuus alone.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'valtuus-bench-redis-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir];
  const proc = startProcess('redis-server', 'redis-server', args);
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  client.on('error', () => {}); // refused until redis-server listens; waitFor reports if it never does
  const exitedEarly = () => (proc.hasExited() ? `redis-server exited: ${proc.output().trim().split('\n').pop()}` : undefined);
  await waitFor('redis-server', async () => (await client.ping()) === 'PONG', 10_000, exitedEarly);
  return {
    url: `redis://127.0.0.1:${port}`,
    process: proc,
    client,
    async stop() {
      client.disconnect();
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TokenMemory {
  pattern: string;
  keys: number;
  sampled: number;
  medianBytes: number;
}

async function scanKeys(client: Redis, pattern: string, limit: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.filter((k) => !INDEX_KEY.test(k)));
  } while (cursor !== '0' && keys.length < limit);
  return keys.slice(0, limit);
}

// index keys (":list", ":uid:…") share the model's prefix but are not tokens
const INDEX_KEY = /:(list|uid:|userCode:)/;

/**
 * Median MEMORY USAGE (exact, SAMPLES 0) of stored access-token keys. Client-credentials tokens
 * are oidc-provider's ClientCredentials model.
 */
export async function accessTokenMemory(client: Redis, sample = 500): Promise<TokenMemory | undefined> {
  for (const model of ['ClientCredentials', 'AccessToken']) {
    const pattern = `*${model}:*`;
    const keys = await scanKeys(client, pattern, sample);
    if (!keys.length) continue;
    const sizes: number[] = [];
    for (const key of keys) {
      const bytes = (await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
      if (typeof bytes === 'number') sizes.push(bytes);
    }
    const total = await countKeys(client, pattern);
    return { pattern, keys: total, sampled: sizes.length, medianBytes: median(sizes) };
  }
  return undefined;
}

async function countKeys(client: Redis, pattern: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    count += batch.filter((k) => !INDEX_KEY.test(k)).length;
  } while (cursor !== '0');
  return count;
}

/** used_memory from INFO, in bytes. */
export async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  return match ? Number(match[1]) : NaN;
}
