import { Redis } from 'ioredis';

import type { Store } from '../../adapters/types.ts';

import { freePort, startRedisProcess, type RedisProcess } from './redis_process.ts';

/** A redis-server of the test's own on a free loopback port (no persistence), and a connection that counts what it ran. */
export async function startCountedRedis(): Promise<{ redisProcess: RedisProcess; probe: Redis; url: string }> {
  const port = await freePort();
  const redisProcess = await startRedisProcess(
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    port,
    /Ready to accept/,
  );
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await probe.connect();
  return { redisProcess, probe, url: `redis://127.0.0.1:${port}` };
}

/** Commands Redis ran, those inside scripts included (INFO commandstats calls per command). */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(m[1]!, Number(m[2]));
  return stats;
}

/** The commands run between two readings, without the INFO that took the second. */
export function commandsRanBetween(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after].flatMap(([name, calls]) => {
    const n = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    return n > 0 ? [[name, n] as [string, number]] : [];
  });
}

export interface Sent {
  name: string;
  /** the first argument under the prefix ('' when none is) */
  key: string;
}

/** Every command the store's own connection sends (one per round trip, a script counting as one), MONITOR-free. */
export function recordCommands(store: Store, prefix: string): { sent: Sent[] } {
  const client = store.redis as Redis;
  const recording = { sent: [] as Sent[] };
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    const key = command.args.map(String).find((arg) => arg.startsWith(prefix)) ?? '';
    recording.sent.push({ name: command.name, key });
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return recording;
}
