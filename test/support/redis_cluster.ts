import { join } from 'node:path';

import { Redis } from 'ioredis';

import { freePorts, pollUntil, run, startRedisProcess, tempDir, type RedisProcess } from './redis_process.ts';

const MASTERS = 3;

export interface TestCluster {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  readonly url: string;
  readonly ports: readonly number[];
  /** With replicas: kills the master on this port at once (SIGKILL), as a crashed host would; its replica takes over. */
  killMaster(port: number): Promise<void>;
  /** The live masters and replicas now, from CLUSTER NODES: a loaded machine can fail a master over on its own. */
  roles(): Promise<{ masters: number[]; replicas: number[] }>;
  /** Stops every node and deletes their files. */
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /** one replica per master, and a short node timeout so that a failover takes about a second */
  replicas?: boolean;
}

function nodeArgs(dir: string, port: number, busPort: number, replicas: boolean): string[] {
  return [
    // a replica's first sync starts at once (Redis 7 waits 5 s for more replicas by default)
    ...(replicas ? ['--cluster-node-timeout', '1000', '--repl-diskless-sync-delay', '0'] : []),
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
    // a bus port of its own: port + 10000, the default, may be taken or past 65535
    ...['--cluster-port', String(busPort)],
    ...['--save', '', '--appendonly', 'no'],
  ];
}

/** One question to one node on its own connection, which gives up at once if the node is down. */
async function askNode<T>(port: number, ask: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  node.on('error', () => {});
  try {
    await node.connect();
    return await ask(node);
  } finally {
    node.disconnect();
  }
}

/** A replica whose link to its master is up, its first sync done: until then a failover would promote an empty node. */
function replicaLinkUp(port: number): Promise<boolean> {
  return askNode(port, async (node) => {
    const info = await node.info('replication');
    return !/^role:slave\r?$/m.test(info) || /^master_link_status:up\r?$/m.test(info);
  });
}

function clusterStateOk(port: number): Promise<boolean> {
  return askNode(port, async (node) => /^cluster_state:ok\r?$/m.test(await node.cluster('INFO')));
}

/** Masters and replicas by port, from a node's CLUSTER NODES, those flagged failing left out. */
function rolesIn(clusterNodes: string): { masters: number[]; replicas: number[] } {
  const live = clusterNodes
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, , flags]) => !/fail/.test(flags ?? ''));
  const portsWith = (role: RegExp) =>
    live.filter(([, , flags]) => role.test(flags!)).map(([, address]) => Number(/:(\d+)@/.exec(address!)?.[1]));
  return { masters: portsWith(/master/), replicas: portsWith(/slave/) };
}

/**
 * A private 3-master Redis Cluster on loopback (replicas on request), created by
 * `redis-cli --cluster create` as an operator would; resolves once every node reports
 * `cluster_state:ok` and every replica has synced with its master. Always stop() it, also when a test fails.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const replicas = options.replicas ?? false;
  const nodeCount = replicas ? MASTERS * 2 : MASTERS;
  const dir = await tempDir('cluster');
  const ports = await freePorts(nodeCount * 2);
  const nodes = new Map<number, RedisProcess>();
  const stop = async () => {
    await Promise.all([...nodes.values()].map((node) => node.stop()));
    await dir.remove();
  };
  try {
    const dataPorts = ports.slice(0, nodeCount);
    const started = dataPorts.map((port, i) =>
      startRedisProcess(nodeArgs(dir.path, port, ports[nodeCount + i]!, replicas), port, /Ready to accept/),
    );
    for (const result of await Promise.allSettled(started)) if (result.status === 'fulfilled') nodes.set(result.value.port, result.value);
    await Promise.all(started);
    const addresses = dataPorts.map((port) => `127.0.0.1:${port}`);
    // redis-cli makes the first MASTERS nodes the masters
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', replicas ? '1' : '0', '--cluster-yes']);
    await Promise.all(dataPorts.map((port) => pollUntil(`cluster_state:ok on ${port}`, () => clusterStateOk(port))));
    if (replicas) await Promise.all(dataPorts.map((port) => pollUntil(`replication link of ${port} up`, () => replicaLinkUp(port))));
    const masters = dataPorts.slice(0, MASTERS);
    const killMaster = async (port: number) => {
      await nodes.get(port)?.stop();
      nodes.delete(port);
    };
    const roles = async () => {
      for (const port of nodes.keys()) {
        const answer = await askNode(port, async (node) => String(await node.cluster('NODES'))).catch(() => undefined);
        if (answer !== undefined) return rolesIn(answer);
      }
      throw new Error('no cluster node answers');
    };
    return { url: `redis+cluster://${masters.map((port) => `127.0.0.1:${port}`).join(',')}`, ports: masters, killMaster, roles, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
