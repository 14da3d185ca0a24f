/**
 * What beginning a consume finds: this attempt won (or may replace a refresh token within the
 * grace window), the object was consumed before, another attempt holds it, or it is gone.
 * `stored` is the object as found; `retry` (grace only) the full record kept for the window.
 */
export type CommitOutcome = 'committed' | 'lost' | 'gone';

export type BeginOutcome =
  | { status: 'won'; stored: string }
  | { status: 'used'; stored: string }
  | { status: 'grace'; stored: string; retry: string }
  | { status: 'pending'; leftMs: number }
  | { status: 'missing' };

export interface BeginConsume {
  attempt: string;
  nowMs: number;
  leaseMs: number;
  /** a refresh token consumed less than this long ago (ms) may be replaced once more; 0 = never */
  graceMs: number;
  /** ...but not sooner than this (ms): a use that close to the rotation is one of a concurrent burst, not a retry */
  retryAfterMs: number;
}

/** The keys of one consumable object: itself, its redemption mark and its retry record (one hash tag). */
export interface ConsumeKeys {
  key: string;
  mark: string;
  retry: string;
}

/** One object a redemption holds, as its commit writes it. */
export interface HeldWrite extends ConsumeKeys {
  /** the object as the attempt found it: a lapsed lease still commits if nobody changed it */
  found: string;
  /** the consumed record (TTL kept); undefined: the object was only held (an unrotated refresh token), not consumed */
  record?: string;
  /** the full record a retry within the window needs, and how long it is kept (ms) */
  retryRecord?: { value: string; ttlMs: number };
}

/** One object a redemption saved, written with its commit; `grantIndex` names the grant index it joins. */
export interface SaveWrite {
  key: string;
  value: string;
  ttlSeconds?: number;
  grantIndex?: { key: string; member: string };
}

/**
 * The few storage primitives the adapter is written against; Redis and the in-memory sandbox
 * each implement them with the same meaning (Redis semantics: TTLs in whole seconds).
 * Every call touches one key, or keys sharing one hash tag, so each works on Redis Cluster;
 * `commitRedemption` is one script on a single Redis and one command per slot on a Cluster.
 * The consume steps take the object's key, its redemption mark's and its retry record's (docs/storage.md).
 */
export interface Keyspace {
  get(key: string): Promise<string | null>;
  /** Several keys of one hash tag in one command, in order. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Without ttlSeconds the key never expires. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  addToSet(key: string, member: string): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  /** Marks the object as being redeemed by one attempt, for leaseMs, unless it is consumed or held. */
  beginConsume(keys: ConsumeKeys, begin: BeginConsume): Promise<BeginOutcome>;
  /**
   * Writes what a redemption saved and its consumed records, and drops its marks, if the attempt
   * still holds every object (or its lease lapsed and nobody changed the object). Otherwise, with
   * nothing written on a single Redis: `gone` when a held object no longer exists (revoked or
   * expired meanwhile), `lost` when another attempt holds or changed it. Saves are written
   * before the records.
   */
  commitRedemption(attempt: string, held: readonly HeldWrite[], saves: readonly SaveWrite[]): Promise<CommitOutcome>;
  /** Undoes the attempt: drops its mark, or puts back what it found if its commit went through. */
  releaseConsume(keys: ConsumeKeys, attempt: string, found: string): Promise<void>;
  /** Deletes an unused successor; false when it was used or is being used. */
  retireUnused(key: string, mark: string): Promise<boolean>;
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
