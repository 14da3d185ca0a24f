import type { Store } from '../../adapters/types.ts';
import { createRedisStore, type RedisStoreOptions } from '../../adapters/redis.ts';
import { openTestRedis, type TestRedis } from './redis.ts';

export interface TestRedisStore extends Store {
  /** this run's key prefix */
  readonly prefix: string;
  /** a separate connection for looking at what was stored */
  readonly probe: TestRedis['client'];
}

/** A Redis store on a key prefix of its own; close() also deletes this run's keys. */
export async function openTestRedisStore(options: Pick<RedisStoreOptions, 'now'> = {}): Promise<TestRedisStore> {
  const testRedis = await openTestRedis();
  const store = createRedisStore({ url: testRedis.url, keyPrefix: testRedis.prefix, ...options });
  return {
    kind: store.kind,
    adapter: store.adapter,
    redeem: store.redeem,
    keys: store.keys,
    pubsub: store.pubsub,
    redis: store.redis,
    memory: () => store.memory(),
    ping: () => store.ping(),
    prefix: testRedis.prefix,
    probe: testRedis.client,
    async close() {
      await store.close();
      await testRedis.cleanup();
    },
  };
}
