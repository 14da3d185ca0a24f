import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

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
 * interaction's uid and expiring with it: the CSRF token of its forms (until a state is
 * stored, the one derived from the uid, `StepStates.fresh`), the customer whose
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

/** A form token of one interaction under one key: an HMAC of its uid, unguessable without the key. */
function formToken(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(uid).digest('base64url');
}

export class StepStates {
  readonly #store: Store;
  /** one per cookie key (COOKIE_KEYS, the first signs): a form shown before a key rotation still answers after it */
  readonly #formKeys: readonly Buffer[];

  constructor(store: Store, cookieKeys: readonly string[]) {
    this.#store = store;
    this.#formKeys = cookieKeys.map((key) => Buffer.from(hkdfSync('sha256', key, 'valtuus', 'sign-in-form-token', 32)));
  }

  get #adapter() {
    return this.#store.adapter('InteractionStep');
  }

  /** The stored state, or undefined when there is none yet (see `fresh`). */
  async find(uid: string): Promise<StepState | undefined> {
    const found = await this.#adapter.find(uid);
    return isStepState(found) ? found : undefined;
  }

  /**
   * The state of an interaction that has none stored: its form token is derived from the uid,
   * so a page can show a form without storing anything first.
   */
  fresh(uid: string): StepState {
    return { csrf: formToken(this.#formKeys[0]!, uid) };
  }

  /** The form tokens this interaction's forms may carry: the stored state's, or, with none stored, the uid's under each key. */
  formTokens(uid: string, stored: StepState | undefined): string[] {
    return stored ? [stored.csrf] : this.#formKeys.map((key) => formToken(key, uid));
  }

  async save(uid: string, state: StepState, ttlSeconds: number): Promise<void> {
    await this.#adapter.upsert(uid, { ...state }, Math.max(1, ttlSeconds));
  }
}

function tokenMatches(token: string, presented: string): boolean {
  const expected = Buffer.from(token);
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether the form carried one of the tokens (constant time for each). */
export function oneOfTokens(tokens: readonly string[], presented: unknown): boolean {
  return typeof presented === 'string' && tokens.some((token) => tokenMatches(token, presented));
}

export function csrfMatches(state: StepState, presented: unknown): boolean {
  return oneOfTokens([state.csrf], presented);
}
