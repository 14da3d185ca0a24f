import { createAdapterFactory, createRedeem } from './adapter.ts';
import { memoryPubSub } from './pubsub.ts';
import { keyLayout } from './keys.ts';
import { MemoryKeyspace } from './memory_keyspace.ts';
import type { Store } from './types.ts';

export interface MemoryStoreOptions {
  /** Clock in ms (default Date.now); tests pass their own to move time. */
  now?: () => number;
}

/** The sandbox store; `keyspace` lets tests and diagnostics look at keys and TTLs. */
export interface MemoryStore extends Store {
  readonly kind: 'memory';
  readonly keyspace: MemoryKeyspace;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const keyspace = new MemoryKeyspace(now);
  const keys = keyLayout('');
  return {
    kind: 'memory',
    adapter: createAdapterFactory({ keyspace, keys, now }),
    redeem: createRedeem({ keyspace, keys, now }),
    keys,
    pubsub: memoryPubSub(),
    redis: undefined,
    keyspace,
    memory: async () => [],
    ping: () => keyspace.ping(),
    close: () => keyspace.close(),
  };
}
