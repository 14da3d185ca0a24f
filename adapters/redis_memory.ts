import { Cluster } from 'ioredis';

import type { RedisClient } from './redis_script_runner.ts';
import type { StoreNodeMemory } from './types.ts';

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1];
}

/**
 * Memory in use, its limit and the eviction policy of every node that holds data (each master
 * of a Cluster). From `INFO memory`, which managed Redis services answer even where they
 * rename or refuse CONFIG.
 */
export async function redisMemory(client: RedisClient): Promise<StoreNodeMemory[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  return Promise.all(
    nodes.map(async (node) => {
      const info = await node.info('memory');
      return {
        node: `${node.options.host ?? 'localhost'}:${node.options.port ?? 6379}`,
        usedBytes: Number(field(info, 'used_memory') ?? 0),
        maxBytes: Number(field(info, 'maxmemory') ?? 0),
        policy: field(info, 'maxmemory_policy') ?? 'unknown',
      };
    }),
  );
}
