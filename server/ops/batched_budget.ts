import type { Cluster, Redis } from 'ioredis';

const FLUSH_MS = 100;

interface Count {
  window: number;
  /** spent here and not yet added to the shared count */
  pending: number;
  /** the shared count as last read back from Redis */
  shared: number;
}

/**
 * A per-minute budget shared by every process through Redis, without a round trip per
 * request: each process counts locally and adds its counts to the shared one ten times a
 * second, reading the total back. The token endpoint is the hot path; a budget can thus be
 * overshot by what all processes serve in one flush interval, which is fine for its purpose
 * (stopping a client that hammers the endpoint). rate-limiter-flexible has no batching mode,
 * hence this small piece.
 */
export class BatchedBudget {
  readonly #counts = new Map<string, Count>();
  readonly #redis: Redis | Cluster;
  readonly #keyOf: (key: string, window: number) => string;
  readonly #points: number;
  readonly #windowMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis | Cluster, keyOf: (key: string, window: number) => string, points: number, windowSeconds = 60) {
    this.#redis = redis;
    this.#keyOf = keyOf;
    this.#points = points;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Seconds to wait when the budget is spent, else undefined (and one point is spent). */
  spend(key: string, now = Date.now()): number | undefined {
    const window = Math.floor(now / this.#windowMs);
    let count = this.#counts.get(key);
    if (!count || count.window !== window) {
      count = { window, pending: 0, shared: 0 };
      this.#counts.set(key, count);
    }
    if (count.shared + count.pending >= this.#points) return Math.max(1, Math.ceil(((window + 1) * this.#windowMs - now) / 1000));
    count.pending += 1;
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
    return undefined;
  }

  /** Adds what this process spent to the shared counts and reads them back. */
  async flush(): Promise<void> {
    this.#timer = undefined;
    const current = Math.floor(Date.now() / this.#windowMs);
    await Promise.all(
      [...this.#counts].map(async ([key, count]) => {
        if (count.window !== current && count.pending === 0) {
          this.#counts.delete(key);
          return;
        }
        const pending = count.pending;
        if (pending === 0) return;
        count.pending = 0;
        const redisKey = this.#keyOf(key, count.window);
        try {
          const [total] = await Promise.all([this.#redis.incrby(redisKey, pending), this.#redis.pexpire(redisKey, 2 * this.#windowMs)]);
          count.shared = Math.max(count.shared, total);
        } catch {
          count.pending += pending; // the store is away: keep counting here, add it later
        }
      }),
    );
  }
}
