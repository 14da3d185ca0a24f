import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { Store } from '../../adapters/types.ts';
import type { Locale } from '../../config/locales.ts';

/** A message for the next page, kept as a catalogue key so that it shows in the page's language. */
export interface Flash {
  key: 'login.failed' | 'login.throttled' | 'otp.wrong' | 'decoupled.busy' | 'decoupled.expired';
  /** seconds to wait, for login.throttled */
  waitSeconds?: number;
}

/**
 * What the pages of one interaction remember between requests, kept server-side under the
 * interaction's uid and expiring with it: the CSRF token of its forms, the customer whose
 * password was right (so the code step knows whom to check), a message for the next page, the
 * language the customer picked with the switcher, and whether the code step locked the account.
 */
export interface StepState {
  csrf: string;
  accountId?: string;
  flash?: Flash;
  username?: string;
  lang?: Locale;
  locked?: boolean;
  /** "Approve in the app": the decoupled request waiting for the device, and the code it shows */
  decoupled?: { id: string; bindingMessage: string };
}

function isStepState(value: unknown): value is StepState {
  return typeof (value as StepState | undefined)?.csrf === 'string';
}

export class StepStates {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get #adapter() {
    return this.#store.adapter('InteractionStep');
  }

  /** The stored state, or undefined when there is none yet (see `fresh`). */
  async find(uid: string): Promise<StepState | undefined> {
    const found = await this.#adapter.find(uid);
    return isStepState(found) ? found : undefined;
  }

  /** A new state, not stored yet: the page that shows its CSRF token stores it (context.ts `keepState`). */
  fresh(): StepState {
    return { csrf: randomBytes(32).toString('base64url') };
  }

  async save(uid: string, state: StepState, ttlSeconds: number): Promise<void> {
    await this.#adapter.upsert(uid, { ...state }, Math.max(1, ttlSeconds));
  }
}

export function csrfMatches(state: StepState, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(state.csrf);
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
