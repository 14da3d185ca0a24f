import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { freePorts, pollUntil, startRedisProcess, tempDir, type RedisProcess } from './redis_process.ts';

export const MASTER_NAME = 'valtuus-test';

export interface TestSentinel {
  /** `redis+sentinel://127.0.0.1:<sentinel port>/valtuus-test`: it does not name the master's port. */
  readonly url: string;
  readonly masterPort: number;
  /** Stops the sentinel and the master and deletes their files. */
  stop(): Promise<void>;
}

function sentinelConfig(dir: string, port: number, masterPort: number): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
    `sentinel down-after-milliseconds ${MASTER_NAME} 5000`,
    '',
  ].join('\n');
}

async function sentinelKnowsMaster(port: number, masterPort: number): Promise<boolean> {
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    const address = (await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[] | null;
    return address?.[1] === String(masterPort);
  } finally {
    probe.disconnect();
  }
}

/**
 * One redis-server master and one Sentinel monitoring it (`redis-server <conf> --sentinel`: Debian
 * ships no separate redis-sentinel binary with redis-server). Always stop() it.
 */
export async function startTestSentinel(): Promise<TestSentinel> {
  const dir = await tempDir('sentinel');
  const [masterPort, sentinelPort] = (await freePorts(2)) as [number, number];
  const processes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await dir.remove();
  };
  try {
    const masterArgs = ['--port', String(masterPort), '--bind', '127.0.0.1', '--dir', dir.path, '--save', '', '--appendonly', 'no'];
    processes.push(await startRedisProcess(masterArgs, masterPort, /Ready to accept/));
    // Sentinel rewrites its config file, so it gets one of its own
    const config = join(dir.path, 'sentinel.conf');
    await writeFile(config, sentinelConfig(dir.path, sentinelPort, masterPort));
    processes.push(await startRedisProcess([config, '--sentinel'], sentinelPort, /\+monitor master/));
    await pollUntil('the sentinel knows its master', () => sentinelKnowsMaster(sentinelPort, masterPort));
    return { url: `redis+sentinel://127.0.0.1:${sentinelPort}/${MASTER_NAME}`, masterPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
