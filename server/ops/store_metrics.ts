import { Gauge } from 'prom-client';

import type { Store } from '../../adapters/types.ts';
import { checkEviction, type EvictionCheck } from './eviction.ts';
import type { Metrics } from './metrics.ts';

/**
 * The store's memory in the metrics, read at each scrape (`INFO memory` on every data node):
 * alert well before used reaches the limit, at which a `noeviction` Redis refuses writes.
 * Every worker reports the same Redis, so the primary keeps one worker's value, not their sum.
 */
export function measureStoreMemory(metrics: Metrics, store: Store): void {
  // one read per scrape, shared by the three gauges (prom-client collects them together)
  let reading: Promise<EvictionCheck> | undefined;
  const read = () => (reading ??= checkEviction(store).finally(() => (reading = undefined)));
  const common = { aggregator: 'first' as const, registers: [metrics.registry] };

  new Gauge({
    name: 'valtuus_store_memory_used_bytes',
    help: 'Memory the store (each Redis data node) uses',
    labelNames: ['node'],
    ...common,
    async collect() {
      this.reset();
      for (const node of (await read()).nodes) this.set({ node: node.node }, node.usedBytes);
    },
  });
  new Gauge({
    name: 'valtuus_store_memory_limit_bytes',
    help: 'The store node’s maxmemory (0: no limit)',
    labelNames: ['node'],
    ...common,
    async collect() {
      this.reset();
      for (const node of (await read()).nodes) this.set({ node: node.node }, node.maxBytes);
    },
  });
  new Gauge({
    name: 'valtuus_store_eviction_safe',
    help: '1 when every store node has maxmemory-policy noeviction, 0 when one may evict keys',
    ...common,
    async collect() {
      const { safe } = await read();
      if (safe !== undefined) this.set(safe ? 1 : 0);
    },
  });
}
