import type { Context, Next } from 'koa';

import type { Store } from '../adapters/types.ts';

const READY_TIMEOUT_MS = 1500;

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('store did not answer in time')), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** `/healthz`: the process is up. `/readyz`: the store answers too. */
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
        await withDeadline(store.ping(), READY_TIMEOUT_MS);
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
