import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * One attempt reserved before it is evaluated (a password, a one-time code, a client's
 * credentials): the limiter's atomic consume takes the point first, so of any number of
 * concurrent attempts at most the budget is ever evaluated. The outcome then releases the
 * point (the attempt was right) or keeps it (wrong).
 */
export interface Attempt {
  /** the attempt succeeded: it no longer counts against the budget */
  release(): Promise<void>;
  /** the attempt failed: its point stays spent; true when it was the budget's last point */
  keep(): Promise<boolean>;
}

/**
 * Reserved, or refused with the seconds until a retry may succeed; `busy` when the budget is
 * not spent but taken by attempts still being checked (a wait longer than the bound).
 */
export type Reserved = { attempt: Attempt; retryAfter?: undefined } | { attempt?: undefined; retryAfter: number; busy?: boolean };

export const FREE_ATTEMPT: Attempt = { release: async () => undefined, keep: async () => false };

export function retryAfterOf(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Reserves one point of `key`; a refusal carries the seconds until a retry may succeed. Store errors are thrown. */
export async function reserve(limiter: RateLimiterAbstract, key: string): Promise<Reserved> {
  let res: RateLimiterRes;
  try {
    res = await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) return { retryAfter: retryAfterOf(err) };
    throw err;
  }
  const last = res.remainingPoints === 0;
  return {
    attempt: {
      release: async () => {
        await limiter.reward(key, 1);
      },
      keep: async () => last,
    },
  };
}

/** Reserves a point of every budget at once; refused when any is spent (the others' points are given back). */
export async function reserveAll(reservations: Promise<Reserved>[]): Promise<Reserved> {
  const all = await Promise.all(reservations);
  const refused = all.filter((r) => r.retryAfter !== undefined);
  const taken = all.flatMap((r) => (r.attempt ? [r.attempt] : []));
  if (refused.length) {
    await Promise.all(taken.map((a) => a.release()));
    const retryAfter = Math.max(...refused.map((r) => r.retryAfter!));
    return refused.every((r) => r.attempt === undefined && r.busy) ? { retryAfter, busy: true } : { retryAfter };
  }
  return { attempt: allOf(taken) };
}

/** Several attempts as one: released or kept together; kept says whether any was its budget's last point. */
export function allOf(attempts: Attempt[]): Attempt {
  return {
    release: async () => {
      await Promise.all(attempts.map((a) => a.release()));
    },
    keep: async () => (await Promise.all(attempts.map((a) => a.keep()))).some(Boolean),
  };
}

/**
 * Runs `check` on a reserved attempt (README "Operations": an attempt is reserved before it is
 * checked): given back when `succeeded` says so or when the check throws (a 503 decided
 * nothing), kept otherwise. `retryAfter` when no attempt could be reserved.
 */
export async function onReservedAttempt<T>(
  reserved: Reserved,
  check: () => Promise<T>,
  succeeded: (outcome: T) => boolean,
): Promise<{ outcome: T } | { retryAfter: number }> {
  if (!reserved.attempt) return { retryAfter: reserved.retryAfter };
  let outcome: T;
  try {
    outcome = await check();
  } catch (err) {
    await reserved.attempt.release();
    throw err;
  }
  if (succeeded(outcome)) await reserved.attempt.release();
  else await reserved.attempt.keep();
  return { outcome };
}

const HELD = Symbol('valtuus.heldAttempt');

/**
 * An attempt kept on a request's state while its check runs inside oidc-provider (client
 * authentication), so that the check's success can give it back at once, before the rest of
 * the request: the budget bounds attempts being checked, not requests being answered.
 */
export function holdAttempt(state: Record<PropertyKey, unknown>, attempt: Attempt): Attempt {
  let settled = false;
  const once = (settle: () => Promise<unknown>) => async () => {
    if (settled) return undefined;
    settled = true;
    delete state[HELD];
    return settle();
  };
  const held: Attempt = {
    release: once(() => attempt.release()) as Attempt['release'],
    keep: once(() => attempt.keep()) as Attempt['keep'],
  };
  state[HELD] = held;
  return held;
}

/** The check of the held attempt succeeded: give it back now (nothing when none is held). */
export function releaseHeldAttempt(state: Record<PropertyKey, unknown> | undefined): void {
  const held = state?.[HELD] as Attempt | undefined;
  held?.release().catch(() => undefined); // an unsettled point lapses with its window
}
