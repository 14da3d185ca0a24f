/** What the first `consume` finds: it wins, the object was consumed before, or it is gone. */
export type ConsumeOutcome = { status: 'consumed' } | { status: 'reused'; stored: string } | { status: 'missing' };

/**
 * The few storage primitives the adapter is written against; Redis and the in-memory sandbox
 * each implement them with the same meaning (Redis semantics: TTLs in whole seconds).
 * Every call touches one key, or keys sharing one hash tag, so each works on Redis Cluster.
 */
export interface Keyspace {
  get(key: string): Promise<string | null>;
  /** Without ttlSeconds the key never expires. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  addToSet(key: string, member: string): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  /** Atomically marks the stored object consumed unless it already is. */
  consume(key: string, epochSeconds: number): Promise<ConsumeOutcome>;
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
