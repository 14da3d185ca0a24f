import { LRUCache } from 'lru-cache';

import type { Adapter, AdapterFactory, AdapterPayload, Store } from '../../adapters/types.ts';
import type { Logger } from '../ops/logger.ts';

const SAFETY_TTL_MS = 10_000; // bounds staleness should an invalidation message ever be lost
const MAX_ENTRIES = 10_000;

/**
 * Client registrations are read on every token request and change rarely, so each process
 * keeps them in memory (unknown ids too, so a flood of them costs one look-up each). A change
 * made anywhere (the admin CLI, another process) is published on a Redis channel and drops the
 * entry everywhere at once; entries also expire after a few seconds, and the whole cache is
 * dropped whenever the subscription reconnects.
 */
type ClientCache = LRUCache<string, { payload: AdapterPayload | undefined }>;

function newClientCache(): ClientCache {
  return new LRUCache({ max: MAX_ENTRIES, ttl: SAFETY_TTL_MS });
}

function cachedClientAdapter(inner: Adapter, cache: ClientCache, announce: (id: string) => Promise<void>): Adapter {
  return {
    ...inner,
    async find(id) {
      const hit = cache.get(id);
      if (hit) return hit.payload;
      const payload = await inner.find(id);
      cache.set(id, { payload });
      return payload;
    },
    async upsert(id, payload, expiresIn) {
      await inner.upsert(id, payload, expiresIn);
      cache.delete(id);
      await announce(id);
    },
    async destroy(id) {
      await inner.destroy(id);
      cache.delete(id);
      await announce(id);
    },
    list: () => inner.list(),
    findByUid: (uid) => inner.findByUid(uid),
    findByUserCode: (code) => inner.findByUserCode(code),
    consume: (id) => inner.consume(id),
    revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
  };
}

/** Publishes a change of a client registration; the admin CLI calls it too. */
export function announceClientChange(store: Store) {
  return async (id: string): Promise<void> => {
    await store.redis?.publish(store.keys.clientsChanged, id);
  };
}

export interface CachedClients {
  adapter: AdapterFactory;
  close(): Promise<void>;
}

/** The store's adapters with the Client model cached, for a Redis store; the memory store needs none. */
export function cacheClients(store: Store, logger: Logger): CachedClients {
  if (!store.redis) return { adapter: store.adapter, close: async () => undefined };
  const cache = newClientCache();
  const subscriber = store.redis.duplicate();
  let subscribed = false;
  subscriber.on('error', () => undefined); // the store's own connection reports trouble
  subscriber.on('message', (_channel: string, id: string) => cache.delete(id));
  // the store's clients queue nothing while offline, so subscribe once connected (ioredis
  // resubscribes by itself after a reconnect); messages may have been missed while away
  subscriber.on('ready', () => {
    cache.clear();
    if (subscribed) return;
    subscribed = true;
    subscriber.subscribe(store.keys.clientsChanged).catch((err: Error) => {
      subscribed = false;
      logger.warn({ err }, 'client cache: not subscribed');
    });
  });
  const announce = announceClientChange(store);
  const clientAdapter = cachedClientAdapter(store.adapter('Client'), cache, announce);
  return {
    adapter: (name) => (name === 'Client' ? clientAdapter : store.adapter(name)),
    async close() {
      subscriber.disconnect();
    },
  };
}
