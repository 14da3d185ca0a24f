import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { errors } from 'oidc-provider';

import { consumedBy, consumedRecord, decodePayload } from './codec.ts';
import { StoreUnavailableError, withDeadline } from './errors.ts';
import type { KeyLayout } from './keys.ts';
import type { BeginOutcome, ConsumeKeys, HeldWrite, Keyspace } from './keyspace.ts';
import { currentRedemption, runRedemption, Redemption, type Held, type RedemptionOptions } from './redemption.ts';

/**
 * Single use in two phases (docs/storage.md "Single use"): a consume marks the object as being
 * redeemed by one attempt; the token step commits the mark once the new tokens are ready, or
 * undoes it. A second attempt that finds a mark waits for the first to finish.
 */
const LEASE_MS = 5000; // longer than a redemption takes from consume to commit, even on a slow Redis
const WAIT_MS = 2000; // a second attempt waits this long for the first before answering 503
const POLL_MS = 25; // a healthy first attempt commits within milliseconds
const UNDO_DEADLINE_MS = 1000; // the undo is best effort: the lease ends an unreleased mark anyway
/**
 * A use of a just-rotated refresh token this soon after the rotation is one of a concurrent
 * burst (exactly one of those wins, README "Storage"), not a client retrying a response it
 * lost: noticing the loss takes it longer.
 */
export const RETRY_AFTER_MS = 1000;

export interface ConsumeContext {
  keyspace: Keyspace;
  keys: KeyLayout;
  now: () => number;
}

export function consumeKeys(keys: KeyLayout, model: string, id: string): ConsumeKeys {
  return { key: keys.object(model, id), mark: keys.mark(model, id), retry: keys.retry(model, id) };
}

/**
 * Waits out another attempt's mark. An attempt that overlapped another is a concurrent use, not
 * a retry after a lost response: the grace window is not for it, so exactly one of them wins.
 */
async function begin({ keyspace, now }: ConsumeContext, at: ConsumeKeys, attempt: string, graceMs: number, retryAfterMs: number) {
  const deadline = Date.now() + WAIT_MS;
  let grace = graceMs;
  for (;;) {
    const outcome = await keyspace.beginConsume(at, { attempt, nowMs: now(), leaseMs: LEASE_MS, graceMs: grace, retryAfterMs });
    if (outcome.status !== 'pending' || Date.now() >= deadline) return outcome;
    grace = 0;
    await delay(Math.max(1, Math.min(POLL_MS, outcome.leftMs)));
  }
}

/** Begins a consume; a lost reply may still have set the mark, so it is dropped (queued after the begin). */
async function beginOrRelease(context: ConsumeContext, model: string, id: string, attempt: string, options?: RedemptionOptions) {
  const at = consumeKeys(context.keys, model, id);
  const graceMs = model === 'RefreshToken' ? (options?.reuseGraceMs ?? 0) : 0;
  try {
    const outcome = await begin(context, at, attempt, graceMs, options?.retryAfterMs ?? RETRY_AFTER_MS);
    if (outcome.status === 'pending')
      throw new StoreUnavailableError({ cause: new Error(`${model} is being redeemed by another request`) });
    return outcome;
  } catch (err) {
    await context.keyspace.releaseConsume(at, attempt, '').catch(() => undefined);
    throw err;
  }
}

function heldFrom(model: string, id: string, outcome: BeginOutcome & { status: 'won' | 'grace' }, consumed: boolean): Held {
  return { model, id, found: outcome.stored, ...(outcome.status === 'grace' ? { retry: outcome.retry } : {}), consumed };
}

/**
 * Read with intent to redeem (RedemptionOptions.redeems): the look-up is the consume's begin, so
 * the object is read and marked in one script. What oidc-provider sees: the object as stored, or
 * for a retry within the window the full record with `consumed` dropped; undefined when missing.
 */
export async function beginOnFind(context: ConsumeContext, model: string, id: string, redemption: Redemption): Promise<string | undefined> {
  const outcome = await beginOrRelease(context, model, id, redemption.attempt, redemption.options);
  if (outcome.status === 'missing') return undefined;
  if (outcome.status === 'used') return outcome.stored;
  redemption.held.push(heldFrom(model, id, outcome, false));
  if (outcome.status === 'won') return outcome.stored;
  const { consumed: _, ...unconsumed } = decodePayload(outcome.retry);
  return JSON.stringify(unconsumed);
}

/**
 * What the commit writes for one held object. A rotated refresh token keeps a compact record
 * (docs/storage.md "Compact consumed records") and, while a retry may replace its successor, a
 * full copy in its retry record that expires with the window (counted from the first rotation).
 */
function heldWrite({ keys }: ConsumeContext, held: Held, redemption: Redemption | undefined, nowMs: number): HeldWrite {
  const base = { ...consumeKeys(keys, held.model, held.id), found: held.found };
  if (redemption && !held.consumed) return base;
  const source = held.retry ?? held.found;
  const previous = decodePayload(source).consumed;
  const epoch = typeof previous === 'number' ? previous : Math.floor(nowMs / 1000);
  if (!redemption) return { ...base, record: consumedRecord(source, epoch) };
  const by = { by: redemption.attempt };
  if (held.model !== 'RefreshToken') return { ...base, record: consumedRecord(source, epoch, by) };
  const record = consumedRecord(source, epoch, by, true);
  const next = redemption.savedId('RefreshToken');
  const at = (held.retry ? consumedBy(held.retry)?.at : undefined) ?? nowMs;
  const ttlMs = at + redemption.options.reuseGraceMs - nowMs;
  if (next === undefined || ttlMs <= 0) return { ...base, record };
  return { ...base, record, retryRecord: { value: consumedRecord(source, epoch, { ...by, at, next }), ttlMs } };
}

async function commit(context: ConsumeContext, attempt: string, held: readonly Held[], redemption?: Redemption): Promise<void> {
  const nowMs = context.now();
  const writes = held.map((h) => heldWrite(context, h, redemption, nowMs));
  if (redemption) redemption.committing = true;
  const saves = redemption ? [...redemption.pending.values()] : [];
  const outcome = await context.keyspace.commitRedemption(attempt, writes, saves);
  const models = held.map((h) => h.model).join(', ');
  // revoked (a concurrent reuse revoked the grant) or expired meanwhile: a retry cannot succeed either
  if (outcome === 'gone') throw new errors.InvalidGrant(`${models} was revoked or expired during the request`);
  if (outcome === 'lost') throw new StoreUnavailableError({ cause: new Error(`${models} redemption lost its lease`) });
}

export function createConsume(context: ConsumeContext, model: string, revokeByGrantId: (grantId: string) => Promise<void>) {
  const { keyspace, keys } = context;

  async function reused(stored: string): Promise<never> {
    const { grantId } = decodePayload(stored);
    if (typeof grantId === 'string') await revokeByGrantId(grantId);
    throw new errors.InvalidGrant(`${model} already used`);
  }

  /** Within the grace window the retried token's unused successor is retired; if it was used, this is reuse. */
  async function retireSuccessor(retry: string): Promise<boolean> {
    const next = consumedBy(retry)?.next;
    return next === undefined || keyspace.retireUnused(keys.object(model, next), keys.mark(model, next));
  }

  /** A held retry goes on only if its successor is retired; otherwise the mark is dropped and this is reuse. */
  async function consumeHeld(held: Held, attempt: string): Promise<void> {
    if (held.retry !== undefined && !(await retireSuccessor(held.retry))) {
      await keyspace.releaseConsume(consumeKeys(keys, model, held.id), attempt, held.found);
      return reused(held.found);
    }
    held.consumed = true;
    return undefined;
  }

  /** RFC 6749 §4.1.2, RFC 9700 §4.14.2: a second redemption revokes everything issued on the grant. */
  return async function consume(id: string): Promise<void> {
    const redemption = currentRedemption();
    const already = redemption?.holding(model, id);
    if (redemption && already) return consumeHeld(already, redemption.attempt);
    const attempt = redemption?.attempt ?? randomBytes(9).toString('base64url');
    const outcome = await beginOrRelease(context, model, id, attempt, redemption?.options);
    if (outcome.status === 'missing') throw new errors.InvalidGrant(`${model} was revoked or has expired`);
    if (outcome.status === 'used') return reused(outcome.stored);
    const held = heldFrom(model, id, outcome, false);
    if (!redemption) {
      // outside a token request (a pushed request at authorization): one step
      held.consumed = true;
      return commit(context, attempt, [held]);
    }
    redemption.held.push(held);
    return consumeHeld(held, attempt);
  };
}

async function undo(context: ConsumeContext, redemption: Redemption): Promise<void> {
  const { keyspace, keys } = context;
  const releases = redemption.held.map((h) => keyspace.releaseConsume(consumeKeys(keys, h.model, h.id), redemption.attempt, h.found));
  const written = [...redemption.saved]
    .map((member) => keys.memberKey(member))
    // a held object saved again (an unrotated refresh token) was there before; pending saves only once the commit was sent
    .filter((key) => !redemption.held.some((h) => keys.object(h.model, h.id) === key))
    .filter((key) => redemption.committing || !redemption.pending.has(key));
  const deletes = written.map((key) => keyspace.del(key));
  await withDeadline(Promise.allSettled([...releases, ...deletes]), UNDO_DEADLINE_MS, () => new Error('undo timed out')).catch(
    () => undefined,
  );
}

/** Store.redeem: runs one token request's grant, then commits its consumes with what it saved, or undoes them. */
export function createRedeem(context: ConsumeContext) {
  return async function redeem<T>(fn: () => Promise<T>, options: RedemptionOptions): Promise<T> {
    const redemption = new Redemption(options);
    try {
      const result = await runRedemption(redemption, fn);
      if (redemption.held.length) await commit(context, redemption.attempt, redemption.held, redemption);
      return result;
    } catch (err) {
      if (redemption.held.length || redemption.saved.size) await undo(context, redemption);
      throw err;
    }
  };
}
