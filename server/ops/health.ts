import type { Context, Next } from 'koa';

import { withDeadline } from '../../adapters/errors.ts';
import type { Store } from '../../adapters/types.ts';
import { checkEviction } from './eviction.ts';

const READY_TIMEOUT_MS = 1500;

/** `/healthz`: the process is up. `/readyz`: the store answers too, and cannot evict keys (README "Endpoints", "Guarantees under faults"). */
export function healthRoutes(store: Store) {
  return async function health(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/healthz') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return undefined;
    }
    if (ctx.path === '/readyz') {
      ctx.set('Cache-Control', 'no-store');
      try {
        await withDeadline(store.ping(), READY_TIMEOUT_MS, () => new Error('store did not answer in time'));
        const eviction = await checkEviction(store);
        if (eviction.safe === false) {
          ctx.status = 503;
          ctx.body = { status: 'unsafe', store: store.kind, problems: eviction.problems };
          return undefined;
        }
        ctx.body = { status: 'ready', store: store.kind };
      } catch {
        ctx.status = 503;
        ctx.body = { status: 'unavailable', store: store.kind };
      }
      return undefined;
    }
    return next();
  };
}
