import type { Cluster, Redis } from 'ioredis';

import { asStoreError, StoreUnavailableError, withDeadline } from './errors.ts';
import type { BeginOutcome, CommitOutcome, HeldWrite, Keyspace, SaveWrite } from './keyspace.ts';
import { notExecuted, runScript, type RedisClient } from './redis_script_runner.ts';
import { BEGIN_CONSUME_LUA, COMMIT_REDEMPTION_LUA, INDEX_GRANT_LUA, RELEASE_CONSUME_LUA, RETIRE_UNUSED_LUA } from './redis_scripts.ts';

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

type BeginReply = ['missing'] | ['pending', string] | ['won' | 'used', string] | ['grace', string, string];

function beginOutcome(reply: BeginReply): BeginOutcome {
  if (reply[0] === 'missing') return { status: 'missing' };
  if (reply[0] === 'pending') return { status: 'pending', leftMs: Number(reply[1]) };
  if (reply[0] === 'grace') return { status: 'grace', stored: reply[1], retry: reply[2] };
  return reply[0] === 'won' ? { status: 'won', stored: reply[1] } : { status: 'used', stored: reply[1] };
}

const ttlMsArg = (ttlSeconds: number | undefined) => (ttlSeconds === undefined ? '' : String(ttlSeconds * 1000));

/** COMMIT_REDEMPTION_LUA's keys and arguments; the members of one grant index go in one group. */
function commitArguments(attempt: string, held: readonly HeldWrite[], saves: readonly SaveWrite[]): [string[], string[]] {
  const indexes = new Map<string, string[]>();
  for (const save of saves) {
    if (!save.grantIndex) continue;
    const members = indexes.get(save.grantIndex.key) ?? [];
    indexes.set(save.grantIndex.key, [...members, save.grantIndex.member, ttlMsArg(save.ttlSeconds)]);
  }
  const keys: string[] = [];
  const args: string[] = [attempt, String(held.length), String(saves.length), String(indexes.size)];
  for (const h of held) {
    keys.push(h.key, h.mark, h.retry);
    args.push(h.found, h.record ?? '', h.retryRecord?.value ?? '', String(h.retryRecord?.ttlMs ?? ''));
  }
  for (const save of saves) {
    keys.push(save.key);
    args.push(save.value, save.ttlSeconds === undefined ? '' : String(save.ttlSeconds));
  }
  for (const [key, members] of indexes) {
    keys.push(key);
    args.push(String(members.length / 2), ...members);
  }
  return [keys, args];
}

/** The commit script's answer: 1 committed, 0 another attempt holds or changed an object, -1 an object is gone. */
const COMMIT_OUTCOMES: Record<number, CommitOutcome> = { 1: 'committed', 0: 'lost', [-1]: 'gone' };

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
  const set = (key: string, value: string, ttlSeconds?: number) =>
    call(async () => {
      await (ttlSeconds === undefined ? client.set(key, value) : client.set(key, value, 'EX', ttlSeconds));
    });
  const indexGrant = (key: string, member: string, ttlSeconds?: number) =>
    script(INDEX_GRANT_LUA, [key], [member, ttlMsArg(ttlSeconds)]).then(() => undefined);
  const commitOne = async (attempt: string, held: readonly HeldWrite[], saves: readonly SaveWrite[]): Promise<CommitOutcome> =>
    COMMIT_OUTCOMES[await script<number>(COMMIT_REDEMPTION_LUA, ...commitArguments(attempt, held, saves))] ?? 'lost';

  /**
   * On one Redis, one script. On a Cluster the objects live in different slots: each save (its
   * index first, as upsert writes it), then each held object's commit, which fails if it lost
   * the object; the redemption's undo then deletes the saves.
   */
  async function commitRedemption(attempt: string, held: readonly HeldWrite[], saves: readonly SaveWrite[]): Promise<CommitOutcome> {
    if (!client.isCluster) return commitOne(attempt, held, saves);
    await Promise.all(
      saves.map(async (save) => {
        if (save.grantIndex) await indexGrant(save.grantIndex.key, save.grantIndex.member, save.ttlSeconds);
        await set(save.key, save.value, save.ttlSeconds);
      }),
    );
    const results = await Promise.all(held.map((h) => commitOne(attempt, [h], [])));
    return results.find((r) => r === 'gone') ?? results.find((r) => r === 'lost') ?? 'committed';
  }

  return {
    get: (key) => call(() => client.get(key)),
    getMany: (keys) => call(() => client.mget(...keys)),
    set,
    del: (key) => call(async () => void (await client.del(key))),
    addToSet: (key, member) => call(async () => void (await client.sadd(key, member))),
    removeFromSet: (key, member) => call(async () => void (await client.srem(key, member))),
    setMembers: (key) => call(() => client.smembers(key)),
    beginConsume: async ({ key, mark, retry }, { attempt, nowMs, leaseMs, graceMs, retryAfterMs }) =>
      beginOutcome(await script<BeginReply>(BEGIN_CONSUME_LUA, [key, mark, retry], [attempt, nowMs, leaseMs, graceMs, retryAfterMs])),
    commitRedemption,
    releaseConsume: async ({ key, mark, retry }, attempt, found) =>
      void (await script(RELEASE_CONSUME_LUA, [key, mark, retry], [attempt, found])),
    retireUnused: async (key, mark) => (await script<number>(RETIRE_UNUSED_LUA, [key, mark], [])) === 1,
    indexGrant,
    grantMembers: (key) => call(() => client.zrange(key, 0, -1)),
    unindexGrant: (key, members) => call(async () => void (await client.zrem(key, ...members))),
    ping: () => call(async () => void (await client.ping())),
    close,
    /** Any other command, with the same readiness wait, retries and error mapping. */
    guard: call,
  };
}

export type { Cluster, Redis };
