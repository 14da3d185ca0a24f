import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/** One object a redemption consumed and holds, with what it found there (to put back on failure). */
export interface Held {
  readonly model: string;
  readonly id: string;
  readonly found: string;
}

export interface RedemptionOptions {
  /** how long after its rotation a refresh token may be retried, replacing its unused successor (ms); 0 = never */
  readonly reuseGraceMs: number;
}

/**
 * One token request's consumes and the objects it saved after them (docs/storage.md "Single
 * use"): committed together once the response is ready, undone together when it fails.
 */
export class Redemption {
  /** short and URL-safe: it is stored in every consumed record */
  readonly attempt = randomBytes(9).toString('base64url');
  readonly held: Held[] = [];
  /** objects saved after the first consume: "<Model>:<id>" */
  readonly saved = new Set<string>();
  readonly options: RedemptionOptions;

  constructor(options: RedemptionOptions) {
    this.options = options;
  }

  /** The refresh token this redemption rotated (or replaced within the grace window). */
  get heldRefreshToken(): Held | undefined {
    return this.held.find((h) => h.model === 'RefreshToken');
  }

  /** The refresh token saved after the consume: the rotation's successor. */
  savedId(model: string): string | undefined {
    let last: string | undefined;
    for (const member of this.saved) if (member.startsWith(`${model}:`)) last = member.slice(model.length + 1);
    return last;
  }
}

const current = new AsyncLocalStorage<Redemption>();

export function currentRedemption(): Redemption | undefined {
  return current.getStore();
}

export function runRedemption<T>(redemption: Redemption, fn: () => Promise<T>): Promise<T> {
  return current.run(redemption, fn);
}
