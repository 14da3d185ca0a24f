import { createHash } from 'node:crypto';

import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

const shas = new Map<string, string>();
function sha1(lua: string): string {
  let sha = shas.get(lua);
  if (!sha) shas.set(lua, (sha = createHash('sha1').update(lua).digest('hex')));
  return sha;
}

function replyCode(err: unknown): string | undefined {
  return err instanceof Error && err.name === 'ReplyError' ? err.message.split(' ', 1)[0] : undefined;
}

/**
 * Replies with which Redis refuses a command without running it: a Cluster redirecting
 * (MOVED, ASK), migrating (TRYAGAIN) or electing a new master (CLUSTERDOWN).
 */
export function notExecuted(err: unknown): boolean {
  const code = replyCode(err);
  return code === 'MOVED' || code === 'ASK' || code === 'TRYAGAIN' || code === 'CLUSTERDOWN';
}

/**
 * EVALSHA, and EVAL when the node does not know the script yet (a restart, a new node, a
 * replica just promoted by a failover): plain commands, so that they also work auto-pipelined
 * on a Cluster, routed by their first key like any other command.
 */
export async function runScript<T>(client: RedisClient, lua: string, keys: string[], args: (string | number)[]): Promise<T> {
  try {
    return (await client.evalsha(sha1(lua), keys.length, ...keys, ...args)) as T;
  } catch (err) {
    if (replyCode(err) !== 'NOSCRIPT') throw err;
    return (await client.eval(lua, keys.length, ...keys, ...args)) as T;
  }
}
