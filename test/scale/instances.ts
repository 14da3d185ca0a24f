import { Agent } from '../support/flow.ts';
import { freePorts } from '../support/redis_process.ts';
import { startValtuusProcess } from '../support/valtuus_process.ts';

/** One `node server/index.ts` process. */
export interface Instance {
  /** where this process listens (every instance shares the first one's URL as ISSUER) */
  readonly url: string;
  stop(): Promise<void>;
}

export interface SharedSettings {
  redisUrl: string;
  redisKeyPrefix: string;
}

/**
 * `count` Valtuus processes on one Redis, as replicas behind one load balancer: same ISSUER,
 * REDIS_URL, REDIS_KEY_PREFIX, COOKIE_KEYS and JWKS. Always stop them, also when a test fails.
 */
export async function startInstances(count: number, shared: SharedSettings): Promise<Instance[]> {
  const ports = await freePorts(count);
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const started = await Promise.allSettled(
    ports.map((port) =>
      startValtuusProcess({ port, redisUrl: shared.redisUrl, redisKeyPrefix: shared.redisKeyPrefix, env: { ISSUER: issuer } }),
    ),
  );
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw failed.reason;
  }
  return instances;
}

/** A browser behind a load balancer: its cookies are the issuer's, and `target` says which instance gets the next request. */
export class RoutingAgent extends Agent {
  target: Instance;

  constructor(target: Instance) {
    super();
    this.target = target;
  }

  override request(url: URL, init?: { method?: string; form?: Record<string, string> }): Promise<Response> {
    return super.request(new URL(`${url.pathname}${url.search}`, this.target.url), init);
  }
}
