import type { Store } from '../../adapters/types.ts';
import type { Logger } from './logger.ts';

/**
 * While Redis is away ioredis reports a failed reconnection about every 2 s (README "Redis"),
 * and every request in between answers 503 on its own. One line says the outage began (with
 * the first error) and one that it ended; the repeats are only counted (metrics).
 */
export function logStoreOutages(store: Store, logger: Logger): void {
  const client = store.redis;
  if (!client) return;
  let downSince: number | undefined;
  client.on('error', (err: Error) => {
    if (downSince !== undefined) return;
    downSince = Date.now();
    logger.error({ err }, 'store unreachable: requests answer 503 until it is back');
  });
  client.on('ready', () => {
    if (downSince === undefined) return;
    logger.info({ down_ms: Date.now() - downSince }, 'store reachable again');
    downSince = undefined;
  });
}
