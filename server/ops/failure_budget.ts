import { setTimeout as sleep } from 'node:timers/promises';

import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

import { FREE_ATTEMPT, retryAfterOf, type Reserved } from './attempts.ts';

const WAIT_MS = 20;
const MAX_WAITS = 25; // half a second at most: honest requests in flight finish long before

/**
 * A per-minute budget of failures that also bounds the attempts in flight, so that of any
 * burst at most the budget is evaluated (README "Operations"). `gate` counts kept failures
 * plus attempts in flight; `failures` counts kept failures only, which tells a spent budget
 * (429) from one merely busy with honest attempts in flight (wait briefly and try again).
 */
export class FailureBudget {
  readonly #gate: RateLimiterAbstract;
  readonly #failures: RateLimiterAbstract;
  readonly #points: number;

  constructor(gate: RateLimiterAbstract, failures: RateLimiterAbstract, points: number) {
    this.#gate = gate;
    this.#failures = failures;
    this.#points = points;
  }

  async #spent(key: string): Promise<RateLimiterRes | undefined> {
    const res = await this.#failures.get(key);
    return res && res.consumedPoints >= this.#points ? res : undefined;
  }

  /** Store errors are thrown; the caller decides whether to go on without the budget. */
  async reserve(key: string): Promise<Reserved> {
    for (let waits = 0; ; waits += 1) {
      try {
        await this.#gate.consume(key);
        return { attempt: this.#attempt(key) };
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        await this.#gate.reward(key, 1); // the refused consume counted too: give its point back
        const spent = await this.#spent(key);
        if (spent || waits >= MAX_WAITS) return { retryAfter: retryAfterOf(spent ?? err) };
      }
      await sleep(WAIT_MS);
    }
  }

  #attempt(key: string) {
    return {
      release: async () => {
        await this.#gate.reward(key, 1);
      },
      keep: async () => {
        const res = await this.#failures.penalty(key, 1);
        return res.consumedPoints >= this.#points;
      },
    };
  }
}

export const NO_BUDGET = { reserve: async (): Promise<Reserved> => ({ attempt: FREE_ATTEMPT }) };
