/**
 * What beginning a consume finds: this attempt won (or may replace a refresh token within the
 * grace window), the object was consumed before, another attempt holds it, or it is gone.
 */
export type BeginOutcome =
  { status: 'won' | 'grace' | 'used'; stored: string } | { status: 'pending'; leftMs: number } | { status: 'missing' };

export interface BeginConsume {
  attempt: string;
  nowMs: number;
  leaseMs: number;
  /** a refresh token consumed less than this long ago (ms) may be replaced once more; 0 = never */
  graceMs: number;
}

/**
 * The few storage primitives the adapter is written against; Redis and the in-memory sandbox
 * each implement them with the same meaning (Redis semantics: TTLs in whole seconds).
 * Every call touches one key, or keys sharing one hash tag, so each works on Redis Cluster.
 * The consume steps take the object's key and its redemption mark's (docs/storage.md).
 */
export interface Keyspace {
  get(key: string): Promise<string | null>;
  /** Without ttlSeconds the key never expires. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  addToSet(key: string, member: string): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  /** Marks the object as being redeemed by one attempt, for leaseMs, unless it is consumed or held. */
  beginConsume(key: string, mark: string, begin: BeginConsume): Promise<BeginOutcome>;
  /** Writes the consumed record if the attempt still holds the object; false if it lost it. */
  commitConsume(key: string, mark: string, attempt: string, record: string, found: string): Promise<boolean>;
  /** Undoes the attempt: drops its mark, or puts back what it found if its commit went through. */
  releaseConsume(key: string, mark: string, attempt: string, found: string): Promise<void>;
  /** Deletes an unused successor; false when it was used or is being used. */
  retireUnused(key: string, mark: string): Promise<boolean>;
  /** Replaces the value, keeping its TTL, if it is still `expected`. */
  replaceIf(key: string, expected: string, value: string): Promise<void>;
  /**
   * Adds a member expiring in ttlSeconds (never, without it) to a grant index, drops members
   * already expired, and sets the index to expire with its longest-lived member.
   */
  indexGrant(key: string, member: string, ttlSeconds?: number): Promise<void>;
  grantMembers(key: string): Promise<string[]>;
  /** Removes these members; the index disappears with its last member. */
  unindexGrant(key: string, members: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
