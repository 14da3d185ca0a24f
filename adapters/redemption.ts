import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

import type { SaveWrite } from './keyspace.ts';

/** One object a redemption holds (its mark is set), with what it found there (to put back on failure). */
export interface Held {
  readonly model: string;
  readonly id: string;
  /** the object as found */
  readonly found: string;
  /** a refresh token retried within the window: its full record, and its successor is not retired yet */
  readonly retry?: string;
  /** consume() was called: the commit writes the consumed record; otherwise it only drops the mark */
  consumed: boolean;
}

export interface RedemptionOptions {
  /** how long after its rotation a refresh token may be retried, replacing its unused successor (ms); 0 = never */
  readonly reuseGraceMs: number;
  /** how soon after the rotation a retry may come at the earliest (ms); default RETRY_AFTER_MS (adapters/consume.ts) */
  readonly retryAfterMs?: number;
  /**
   * The model this request redeems (`RefreshToken` for the refresh grant): its first look-up in
   * the redemption begins the consume, so that the read and the mark are one script.
   */
  readonly redeems?: string;
}

/**
 * One token request's consumes and the objects it saved after them (docs/storage.md "Single
 * use"): committed together once the response is ready, undone together when it fails. Saves of
 * tokens after the first consume wait in `pending` and go to the store with the commit; what the
 * request itself read or saved is read from here again (one read of each object per request).
 */
/** This process' part of every attempt id: random, so that ids of processes and restarts never meet. */
const PROCESS_TAG = randomBytes(9).toString('base64url');
let attempts = 0;

export class Redemption {
  /** short, URL-safe and unique (not secret): it is stored in every consumed record; no CSPRNG call per request */
  readonly attempt = `${PROCESS_TAG}.${(attempts += 1).toString(36)}`;
  readonly held: Held[] = [];
  /** objects saved (or to be saved) after the first consume: "<Model>:<id>" */
  readonly saved = new Set<string>();
  /** saves written with the commit, by key */
  readonly pending = new Map<string, SaveWrite>();
  /** what this request read or will have written, by key (null: not there) */
  readonly reads = new Map<string, string | null>();
  /** the commit was sent: the pending saves may be in the store */
  committing = false;
  readonly options: RedemptionOptions;

  constructor(options: RedemptionOptions) {
    this.options = options;
  }

  holding(model: string, id: string): Held | undefined {
    return this.held.find((h) => h.model === model && h.id === id);
  }

  /** The refresh token saved after the consume, other than one held: the rotation's successor. */
  savedId(model: string): string | undefined {
    let last: string | undefined;
    for (const member of this.saved) {
      if (!member.startsWith(`${model}:`)) continue;
      const id = member.slice(model.length + 1);
      if (!this.holding(model, id)) last = id;
    }
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
