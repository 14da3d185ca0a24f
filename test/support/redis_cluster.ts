import { join } from 'node:path';

import { Redis } from 'ioredis';

import { freePorts, pollUntil, run, startRedisProcess, tempDir, type RedisProcess } from './redis_process.ts';

const MASTERS = 3;

export interface TestCluster {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  readonly url: string;
  readonly ports: readonly number[];
  /** Stops every node and deletes their files. */
  stop(): Promise<void>;
}

function nodeArgs(dir: string, port: number, busPort: number): string[] {
  return [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
    // a bus port of its own: port + 10000, the default, may be taken or past 65535
    ...['--cluster-port', String(busPort)],
    ...['--save', '', '--appendonly', 'no'],
  ];
}

async function clusterStateOk(port: number): Promise<boolean> {
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return /^cluster_state:ok\r?$/m.test(await probe.cluster('INFO'));
  } finally {
    probe.disconnect();
  }
}

/**
 * A private 3-master Redis Cluster on loopback (no replicas), created by
 * `redis-cli --cluster create` as an operator would; resolves once every node reports
 * `cluster_state:ok`. Always stop() it, also when a test fails.
 */
export async function startTestCluster(): Promise<TestCluster> {
  const dir = await tempDir('cluster');
  const ports = await freePorts(MASTERS * 2);
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await dir.remove();
  };
  try {
    const masters = ports.slice(0, MASTERS);
    const started = masters.map((port, i) => startRedisProcess(nodeArgs(dir.path, port, ports[MASTERS + i]!), port, /Ready to accept/));
    for (const result of await Promise.allSettled(started)) if (result.status === 'fulfilled') nodes.push(result.value);
    await Promise.all(started);
    const addresses = masters.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await Promise.all(masters.map((port) => pollUntil(`cluster_state:ok on ${port}`, () => clusterStateOk(port))));
    return { url: `redis+cluster://${addresses.join(',')}`, ports: masters, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
