import { LRUCache } from 'lru-cache';

import type { Adapter, AdapterFactory, AdapterPayload, Store } from '../../adapters/types.ts';

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

export interface CachedClients {
  adapter: AdapterFactory;
  close(): Promise<void>;
}

/**
 * The store's adapters with the Client model cached, for a Redis store (the memory store
 * needs none). Every change is announced on the store's channel; every process, hearing it,
 * drops its entry; a reconnection drops everything, as messages may have been missed.
 */
export function cacheClients(store: Store): CachedClients {
  if (store.kind === 'memory') return { adapter: store.adapter, close: async () => undefined };
  const cache = newClientCache();
  const channel = store.keys.clientsChanged;
  const subscription = store.pubsub.subscribe(channel, { onMessage: (id) => cache.delete(id), onResync: () => cache.clear() });
  const clientAdapter = cachedClientAdapter(store.adapter('Client'), cache, (id) => store.pubsub.publish(channel, id));
  return {
    adapter: (name) => (name === 'Client' ? clientAdapter : store.adapter(name)),
    close: subscription.stop,
  };
}
