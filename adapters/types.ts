import type { KeyLayout } from './keys.ts';
import type { RedemptionOptions } from './redemption.ts';
import type { PubSub } from './pubsub.ts';

/** The payload oidc-provider hands its adapters: a JSON-serialisable object. */
export interface AdapterPayload {
  [key: string]: unknown;
  jti?: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number | boolean;
}

/**
 * oidc-provider's adapter interface (one instance per model name), plus `list` for the
 * models that live without expiry (Client, Account) so the admin CLI can enumerate them.
 */
export interface Adapter {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  /**
   * Atomic: the first call marks the object consumed; a later one throws oidc-provider's InvalidGrant and revokes the grant.
   * Inside Store.redeem the mark is held until the redemption commits or undoes it.
   */
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  list(): Promise<AdapterPayload[]>;
}

export type AdapterFactory = (name: string) => Adapter;

/** One data node's memory: in use, its limit (0 = none) and what Redis does at the limit (`maxmemory-policy`). */
export interface StoreNodeMemory {
  readonly node: string;
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly policy: string;
}

/** What the server needs from a storage backend. */
export interface Store {
  readonly kind: 'redis' | 'memory';
  /** Handed to oidc-provider's `adapter` setting, and used for clients and accounts too. */
  readonly adapter: AdapterFactory;
  /** Every key name, under this store's prefix (the store owns the prefix). */
  readonly keys: KeyLayout;
  /** Messages every process of this store hears (the client cache's invalidations). */
  readonly pubsub: PubSub;
  /** The raw ioredis client, for the counters beside the store (rate limiters, the login guard); undefined for memory. */
  readonly redis: import('ioredis').Redis | import('ioredis').Cluster | undefined;
  /**
   * Runs one token request's grant so that a failure leaves nothing behind (docs/storage.md
   * "Single use"): its consumes are committed once it returns, or undone with what it saved.
   */
  redeem<T>(grant: () => Promise<T>, options: RedemptionOptions): Promise<T>;
  /** Every data node's memory and eviction policy; none for the in-memory sandbox, which never evicts. */
  memory(): Promise<readonly StoreNodeMemory[]>;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
