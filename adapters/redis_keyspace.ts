import type { Cluster, Redis } from 'ioredis';

import { asStoreError, StoreUnavailableError, withDeadline } from './errors.ts';
import type { BeginOutcome, Keyspace } from './keyspace.ts';
import { notExecuted, runScript, type RedisClient } from './redis_script_runner.ts';
import {
  BEGIN_CONSUME_LUA,
  COMMIT_CONSUME_LUA,
  INDEX_GRANT_LUA,
  RELEASE_CONSUME_LUA,
  REPLACE_IF_LUA,
  RETIRE_UNUSED_LUA,
} from './redis_scripts.ts';

export type { RedisClient } from './redis_script_runner.ts';

const REDIRECT_RETRIES = 3; // MOVED, ASK, TRYAGAIN, CLUSTERDOWN: the command did not run, so running it again is safe
const REDIRECT_DELAY_MS = 100;

/**
 * Without an offline queue a command sent while disconnected fails at once; this waits (briefly)
 * for the connection instead, so start-up and a quick failover do not turn into errors, while a
 * lasting outage still fails within waitMs.
 */
function readinessGate(client: RedisClient, waitMs: number): () => Promise<void> {
  let nextReady: Promise<void> | undefined;
  const whenReady = () =>
    (nextReady ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        nextReady = undefined;
        resolve();
      });
    }));
  return function ready(): Promise<void> {
    return withDeadline(whenReady(), waitMs, () => new StoreUnavailableError({ cause: new Error(`Redis not ready within ${waitMs} ms`) }));
  };
}

type BeginReply = ['missing'] | ['pending', string] | ['won' | 'grace' | 'used', string];

function beginOutcome(reply: BeginReply): BeginOutcome {
  if (reply[0] === 'missing') return { status: 'missing' };
  if (reply[0] === 'pending') return { status: 'pending', leftMs: Number(reply[1]) };
  return { status: reply[0], stored: reply[1] };
}

export function createRedisKeyspace(
  client: RedisClient,
  readyWaitMs: number,
): Keyspace & { guard: <T>(command: () => Promise<T>) => Promise<T> } {
  const ready = readinessGate(client, readyWaitMs);
  let closed = false;

  async function call<T>(command: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (closed) throw new Error('the store was closed');
        if (client.status !== 'ready') await ready();
        return await command();
      } catch (err) {
        // a Cluster moving slots (failover, resharding) refuses commands it did not run: ask again on the new map
        if (attempt < REDIRECT_RETRIES && notExecuted(err)) {
          await new Promise((resolve) => setTimeout(resolve, REDIRECT_DELAY_MS * (attempt + 1)));
          continue;
        }
        throw asStoreError(err);
      }
    }
  }

  async function close(): Promise<void> {
    closed = true;
    if (client.status !== 'ready') return client.disconnect(); // nothing in flight to wait for
    const ended = new Promise((resolve) => client.once('end', resolve));
    await client.quit().catch(() => client.disconnect());
    await ended;
  }

  const script = <T>(lua: string, keys: string[], args: (string | number)[]) => call(() => runScript<T>(client, lua, keys, args));

  return {
    get: (key) => call(() => client.get(key)),
    set: (key, value, ttlSeconds) =>
      call(async () => {
        await (ttlSeconds === undefined ? client.set(key, value) : client.set(key, value, 'EX', ttlSeconds));
      }),
    del: (key) => call(async () => void (await client.del(key))),
    addToSet: (key, member) => call(async () => void (await client.sadd(key, member))),
    removeFromSet: (key, member) => call(async () => void (await client.srem(key, member))),
    setMembers: (key) => call(() => client.smembers(key)),
    beginConsume: async (key, mark, { attempt, nowMs, leaseMs, graceMs }) =>
      beginOutcome(await script<BeginReply>(BEGIN_CONSUME_LUA, [key, mark], [attempt, nowMs, leaseMs, graceMs])),
    commitConsume: async (key, mark, attempt, record, found) =>
      (await script<number>(COMMIT_CONSUME_LUA, [key, mark], [attempt, record, found])) === 1,
    releaseConsume: async (key, mark, attempt, found) => void (await script(RELEASE_CONSUME_LUA, [key, mark], [attempt, found])),
    retireUnused: async (key, mark) => (await script<number>(RETIRE_UNUSED_LUA, [key, mark], [])) === 1,
    replaceIf: async (key, expected, value) => void (await script(REPLACE_IF_LUA, [key], [expected, value])),
    indexGrant: (key, member, ttlSeconds) =>
      script(INDEX_GRANT_LUA, [key], [member, ttlSeconds === undefined ? '' : String(ttlSeconds * 1000)]).then(() => undefined),
    grantMembers: (key) => call(() => client.zrange(key, 0, -1)),
    unindexGrant: (key, members) => call(async () => void (await client.zrem(key, ...members))),
    ping: () => call(async () => void (await client.ping())),
    close,
    /** Any other command, with the same readiness wait, retries and error mapping. */
    guard: call,
  };
}

export type { Cluster, Redis };
