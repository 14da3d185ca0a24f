import type { Cluster, Redis } from 'ioredis';

import { asStoreError, StoreUnavailableError, withDeadline } from './errors.ts';
import type { ConsumeOutcome, Keyspace } from './keyspace.ts';
import { CONSUME_LUA, INDEX_GRANT_LUA } from './redis_scripts.ts';

export type RedisClient = Redis | Cluster;

type ConsumeReply = [0, string] | [1] | null;

interface ScriptCommands {
  valtuusConsume(key: string, epochSeconds: number): Promise<ConsumeReply>;
  valtuusIndexGrant(key: string, member: string, ttlMs: string): Promise<number>;
}

function defineScripts(client: RedisClient): RedisClient & ScriptCommands {
  // ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT (new node, restart, failover).
  client.defineCommand('valtuusConsume', { numberOfKeys: 1, lua: CONSUME_LUA });
  client.defineCommand('valtuusIndexGrant', { numberOfKeys: 1, lua: INDEX_GRANT_LUA });
  return client as RedisClient & ScriptCommands;
}

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

function consumeOutcome(reply: ConsumeReply): ConsumeOutcome {
  if (reply === null) return { status: 'missing' };
  return reply[0] === 1 ? { status: 'consumed' } : { status: 'reused', stored: reply[1] };
}

export function createRedisKeyspace(client: RedisClient, readyWaitMs: number): Keyspace {
  const redis = defineScripts(client);
  const ready = readinessGate(client, readyWaitMs);
  let closed = false;

  async function call<T>(command: () => Promise<T>): Promise<T> {
    try {
      if (closed) throw new Error('the store was closed');
      if (client.status !== 'ready') await ready();
      return await command();
    } catch (err) {
      throw asStoreError(err);
    }
  }

  async function close(): Promise<void> {
    closed = true;
    if (client.status !== 'ready') return client.disconnect(); // nothing in flight to wait for
    const ended = new Promise((resolve) => client.once('end', resolve));
    await client.quit().catch(() => client.disconnect());
    await ended;
  }

  return {
    get: (key) => call(() => redis.get(key)),
    set: (key, value, ttlSeconds) =>
      call(async () => {
        await (ttlSeconds === undefined ? redis.set(key, value) : redis.set(key, value, 'EX', ttlSeconds));
      }),
    del: (key) => call(async () => void (await redis.del(key))),
    addToSet: (key, member) => call(async () => void (await redis.sadd(key, member))),
    removeFromSet: (key, member) => call(async () => void (await redis.srem(key, member))),
    setMembers: (key) => call(() => redis.smembers(key)),
    consume: (key, epochSeconds) => call(async () => consumeOutcome(await redis.valtuusConsume(key, epochSeconds))),
    indexGrant: (key, member, ttlSeconds) =>
      call(async () => void (await redis.valtuusIndexGrant(key, member, ttlSeconds === undefined ? '' : String(ttlSeconds * 1000)))),
    grantMembers: (key) => call(() => redis.zrange(key, 0, -1)),
    unindexGrant: (key, members) => call(async () => void (await redis.zrem(key, ...members))),
    ping: () => call(async () => void (await redis.ping())),
    close,
  };
}
