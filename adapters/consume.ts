import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { errors } from 'oidc-provider';

import { compacted, consumedBy, consumedRecord, decodePayload, previousOf } from './codec.ts';
import { StoreUnavailableError, withDeadline } from './errors.ts';
import type { KeyLayout } from './keys.ts';
import type { BeginOutcome, Keyspace } from './keyspace.ts';
import { currentRedemption, runRedemption, Redemption, type Held, type RedemptionOptions } from './redemption.ts';

/**
 * Single use in two phases (docs/storage.md "Single use"): a consume marks the object as being
 * redeemed by one attempt; the token step commits the mark once the new tokens are saved, or
 * undoes it. A second attempt that finds a mark waits for the first to finish.
 */
const LEASE_MS = 5000; // longer than a redemption takes from consume to commit, even on a slow Redis
const WAIT_MS = 2000; // a second attempt waits this long for the first before answering 503
const POLL_MS = 25; // a healthy first attempt commits within milliseconds
const UNDO_DEADLINE_MS = 1000; // the undo is best effort: the lease ends an unreleased mark anyway

export interface ConsumeContext {
  keyspace: Keyspace;
  keys: KeyLayout;
  now: () => number;
}

/**
 * Waits out another attempt's mark. An attempt that overlapped another is a concurrent use, not
 * a retry after a lost response: the grace window is not for it, so exactly one of them wins.
 */
async function begin(
  { keyspace, now }: ConsumeContext,
  key: string,
  mark: string,
  attempt: string,
  graceMs: number,
): Promise<BeginOutcome> {
  const deadline = Date.now() + WAIT_MS;
  let grace = graceMs;
  for (;;) {
    const outcome = await keyspace.beginConsume(key, mark, { attempt, nowMs: now(), leaseMs: LEASE_MS, graceMs: grace });
    if (outcome.status !== 'pending' || Date.now() >= deadline) return outcome;
    grace = 0;
    await delay(Math.max(1, Math.min(POLL_MS, outcome.leftMs)));
  }
}

/** The consumed record a commit writes: with the grace members while a retry may still replace the successor. */
function recordFor(held: Held, redemption: Redemption | undefined, nowMs: number): string {
  const previous = decodePayload(held.found).consumed;
  const epoch = typeof previous === 'number' ? previous : Math.floor(nowMs / 1000);
  if (!redemption) return consumedRecord(held.found, epoch);
  const by = { by: redemption.attempt };
  if (held.model !== 'RefreshToken') return consumedRecord(held.found, epoch, by);
  const next = redemption.savedId('RefreshToken');
  if (redemption.options.reuseGraceMs <= 0 || next === undefined) return consumedRecord(held.found, epoch, by, true);
  // the window counts from the first rotation: retries within it do not extend it
  return consumedRecord(held.found, epoch, { ...by, at: consumedBy(held.found)?.at ?? nowMs, next });
}

async function commitHeld(context: ConsumeContext, held: Held, attempt: string, redemption?: Redemption): Promise<void> {
  const { keyspace, keys, now } = context;
  const record = recordFor(held, redemption, now());
  const committed = await keyspace.commitConsume(
    keys.object(held.model, held.id),
    keys.mark(held.model, held.id),
    attempt,
    record,
    held.found,
  );
  if (!committed) throw new StoreUnavailableError({ cause: new Error(`${held.model} redemption lost its lease`) });
}

/** Once a refresh token is consumed, its predecessor can no longer be retried: keep only what reuse detection reads. */
async function compactPredecessor({ keyspace, keys }: ConsumeContext, held: Held): Promise<void> {
  const prev = held.model === 'RefreshToken' ? previousOf(held.found) : undefined;
  if (!prev) return;
  const key = keys.object('RefreshToken', prev);
  const stored = await keyspace.get(key);
  if (stored && consumedBy(stored)?.next !== undefined) await keyspace.replaceIf(key, stored, compacted(stored));
}

export function createConsume(context: ConsumeContext, model: string, revokeByGrantId: (grantId: string) => Promise<void>) {
  const { keyspace, keys } = context;

  async function reused(stored: string): Promise<never> {
    const { grantId } = decodePayload(stored);
    if (typeof grantId === 'string') await revokeByGrantId(grantId);
    throw new errors.InvalidGrant(`${model} already used`);
  }

  /** Within the grace window the retried token's unused successor is retired; if it was used, this is reuse. */
  async function retireSuccessor(stored: string): Promise<boolean> {
    const next = consumedBy(stored)?.next;
    return next === undefined || keyspace.retireUnused(keys.object(model, next), keys.mark(model, next));
  }

  /** RFC 6749 §4.1.2, RFC 9700 §4.14.2: a second redemption revokes everything issued on the grant. */
  return async function consume(id: string): Promise<void> {
    const redemption = currentRedemption();
    const [key, mark] = [keys.object(model, id), keys.mark(model, id)];
    const attempt = redemption?.attempt ?? randomBytes(9).toString('base64url');
    const graceMs = model === 'RefreshToken' ? (redemption?.options.reuseGraceMs ?? 0) : 0;
    const outcome = await begin(context, key, mark, attempt, graceMs).catch(async (err: unknown) => {
      // the begin may have run although its reply was lost: drop the mark it may have left (queued after it)
      await keyspace.releaseConsume(key, mark, attempt, '').catch(() => undefined);
      throw err;
    });
    if (outcome.status === 'missing') throw new errors.InvalidGrant(`${model} was revoked or has expired`);
    if (outcome.status === 'pending')
      throw new StoreUnavailableError({ cause: new Error(`${model} is being redeemed by another request`) });
    if (outcome.status === 'used') return reused(outcome.stored);
    if (outcome.status === 'grace' && !(await retireSuccessor(outcome.stored))) {
      await keyspace.releaseConsume(key, mark, attempt, outcome.stored);
      return reused(outcome.stored);
    }
    const held: Held = { model, id, found: outcome.stored };
    if (redemption) redemption.held.push(held);
    else await commitHeld(context, held, attempt); // outside a token request (a pushed request at authorization): one step
    return undefined;
  };
}

async function undo(context: ConsumeContext, redemption: Redemption): Promise<void> {
  const { keyspace, keys } = context;
  const releases = redemption.held.map((h) =>
    keyspace.releaseConsume(keys.object(h.model, h.id), keys.mark(h.model, h.id), redemption.attempt, h.found),
  );
  const deletes = [...redemption.saved].map((member) => keyspace.del(keys.memberKey(member)));
  await withDeadline(Promise.allSettled([...releases, ...deletes]), UNDO_DEADLINE_MS, () => new Error('undo timed out')).catch(
    () => undefined,
  );
}

/** Store.redeem: runs one token request's grant, then commits its consumes, or undoes them and what it saved. */
export function createRedeem(context: ConsumeContext) {
  return async function redeem<T>(fn: () => Promise<T>, options: RedemptionOptions): Promise<T> {
    const redemption = new Redemption(options);
    try {
      const result = await runRedemption(redemption, fn);
      for (const held of redemption.held) await commitHeld(context, held, redemption.attempt, redemption);
      await Promise.all(redemption.held.map((held) => compactPredecessor(context, held))).catch(() => undefined);
      return result;
    } catch (err) {
      if (redemption.held.length) await undo(context, redemption);
      throw err;
    }
  };
}
