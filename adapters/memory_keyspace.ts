import { consumedBy, isConsumed } from './codec.ts';
import type { BeginConsume, BeginOutcome, CommitOutcome, ConsumeKeys, HeldWrite, Keyspace, SaveWrite } from './keyspace.ts';

/** A string, a set, or a grant index (member → expiry in ms), as in Redis. */
type Value = string | Set<string> | Map<string, number>;

interface Entry {
  value: Value;
  /** ms on the keyspace clock; Infinity = no expiry */
  expiresAt: number;
}

/** Expired entries go on access; every SWEEP_EVERY writes, a sweep drops those never read again. */
const SWEEP_EVERY = 1000;

/**
 * The sandbox's keyspace: Redis' semantics for the handful of operations the adapter uses,
 * with expiry checked lazily against an injectable clock so tests can move time.
 */
export class MemoryKeyspace implements Keyspace {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #writes = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Redis PTTL: ms left, -1 without expiry, -2 when missing. */
  pttl(key: string): number {
    const entry = this.#live(key);
    if (!entry) return -2;
    return Number.isFinite(entry.expiresAt) ? entry.expiresAt - this.#now() : -1;
  }

  keyNames(): string[] {
    return [...this.#entries.keys()].filter((key) => this.#live(key));
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #put(key: string, value: Value, expiresAt: number): void {
    this.#entries.set(key, { value, expiresAt });
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep();
  }

  #sweep(): void {
    for (const key of this.#entries.keys()) this.#live(key);
  }

  #expiresAt(ttlSeconds: number | undefined): number {
    return ttlSeconds === undefined ? Infinity : this.#now() + ttlSeconds * 1000;
  }

  #set(key: string): Set<string> | undefined {
    const value = this.#live(key)?.value;
    return value instanceof Set ? value : undefined;
  }

  async get(key: string): Promise<string | null> {
    const value = this.#live(key)?.value;
    return typeof value === 'string' ? value : null;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.#string(key));
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.#put(key, value, this.#expiresAt(ttlSeconds));
  }

  async del(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async addToSet(key: string, member: string): Promise<void> {
    const set = this.#set(key);
    if (set) set.add(member);
    else this.#put(key, new Set([member]), Infinity);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    const set = this.#set(key);
    if (set?.delete(member) && set.size === 0) this.#entries.delete(key);
  }

  async setMembers(key: string): Promise<string[]> {
    return [...(this.#set(key) ?? [])];
  }

  #string(key: string): string | null {
    const value = this.#live(key)?.value;
    return typeof value === 'string' ? value : null;
  }

  /** Each consume step is synchronous up to its return, hence atomic on Node's single thread. */
  async beginConsume({ key, mark, retry }: ConsumeKeys, begin: BeginConsume): Promise<BeginOutcome> {
    const stored = this.#string(key);
    if (stored === null) return { status: 'missing' };
    if (this.#string(mark) !== null) return { status: 'pending', leftMs: this.pttl(mark) };
    if (isConsumed(stored)) {
      const full = begin.graceMs > 0 ? this.#string(retry) : null;
      const by = full === null ? undefined : consumedBy(full);
      const age = by?.at === undefined || by.next === undefined ? undefined : begin.nowMs - by.at;
      if (full === null || age === undefined || age < begin.retryAfterMs || age >= begin.graceMs) return { status: 'used', stored };
      this.#put(mark, begin.attempt, this.#now() + begin.leaseMs);
      return { status: 'grace', stored, retry: full };
    }
    this.#put(mark, begin.attempt, this.#now() + begin.leaseMs);
    return { status: 'won', stored };
  }

  async commitRedemption(attempt: string, held: readonly HeldWrite[], saves: readonly SaveWrite[]): Promise<CommitOutcome> {
    for (const h of held) {
      const stored = this.#string(h.key);
      const holder = this.#string(h.mark);
      if (stored === null) return 'gone';
      if (holder !== attempt && (holder !== null || stored !== h.found)) return 'lost';
    }
    for (const save of saves) {
      this.#put(save.key, save.value, this.#expiresAt(save.ttlSeconds));
      if (save.grantIndex) this.#index(save.grantIndex.key, save.grantIndex.member, save.ttlSeconds);
    }
    for (const h of held) {
      const entry = this.#live(h.key)!;
      if (h.record !== undefined) entry.value = h.record;
      if (h.retryRecord) this.#put(h.retry, h.retryRecord.value, this.#now() + h.retryRecord.ttlMs);
      this.#entries.delete(h.mark);
    }
    return 'committed';
  }

  async releaseConsume({ key, mark, retry }: ConsumeKeys, attempt: string, found: string): Promise<void> {
    if (this.#string(mark) === attempt) {
      this.#entries.delete(mark);
      return;
    }
    const entry = this.#live(key);
    if (entry && typeof entry.value === 'string' && consumedBy(entry.value)?.by === attempt) {
      entry.value = found;
      this.#entries.delete(retry);
    }
  }

  async retireUnused(key: string, mark: string): Promise<boolean> {
    if (this.#string(mark) !== null) return false;
    const stored = this.#string(key);
    if (stored === null) return true;
    if (isConsumed(stored)) return false;
    this.#entries.delete(key);
    return true;
  }

  #index(key: string, member: string, ttlSeconds?: number): void {
    const now = this.#now();
    const value = this.#live(key)?.value;
    const members = value instanceof Map ? value : new Map<string, number>();
    members.set(member, Math.max(members.get(member) ?? 0, this.#expiresAt(ttlSeconds)));
    for (const [name, expiresAt] of members) if (expiresAt <= now) members.delete(name);
    this.#put(key, members, Math.max(...members.values()));
  }

  async indexGrant(key: string, member: string, ttlSeconds?: number): Promise<void> {
    this.#index(key, member, ttlSeconds);
  }

  async grantMembers(key: string): Promise<string[]> {
    const value = this.#live(key)?.value;
    return value instanceof Map ? [...value.keys()] : [];
  }

  async unindexGrant(key: string, members: string[]): Promise<void> {
    const value = this.#live(key)?.value;
    if (!(value instanceof Map)) return;
    for (const member of members) value.delete(member);
    if (value.size === 0) this.#entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
