import type { Store } from '../../adapters/types.ts';

/** One app's standing consent, as the customer's authorized-apps page and `grant list` show it. */
export interface ConsentEntry {
  clientId: string;
  grantId: string;
  /** epoch seconds: when the customer first allowed this app (on this grant) */
  since: number;
  /** epoch seconds: when the consent ends unless renewed */
  until: number;
  /** epoch seconds: the app's last token on this consent, if any since it was given */
  lastUsed?: number;
}

type ConsentIndex = Record<string, ConsentEntry>;

// a use is worth showing while any consent can last (the registry allows a year at most)
const USE_MEMORY_SECONDS = 366 * 24 * 3600;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function isEntry(value: unknown): value is ConsentEntry {
  const entry = value as Partial<ConsentEntry> | undefined;
  return typeof entry?.clientId === 'string' && typeof entry.grantId === 'string' && typeof entry.until === 'number';
}

/**
 * Which grant holds a customer's consent for a client, so a later authorization (in any
 * browser) asks only for what is new; and, per customer, the index of those consents, for the
 * authorized-apps page and the operators' `grant list`. Each entry expires with its grant;
 * revoking the grant (token revocation, code or refresh token reuse) makes it point at nothing.
 */
export class ConsentMemory {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get #adapter() {
    return this.#store.adapter('Consent');
  }

  get #index() {
    return this.#store.adapter('ConsentIndex');
  }

  async remember(accountId: string, clientId: string, grantId: string, ttlSeconds: number): Promise<void> {
    await this.#adapter.upsert(`${accountId}:${clientId}`, { accountId, clientId, grantId }, Math.max(1, ttlSeconds));
    const index = await this.#readIndex(accountId);
    const earlier = index[clientId];
    const since = earlier?.grantId === grantId ? earlier.since : nowSeconds();
    index[clientId] = { clientId, grantId, since, until: nowSeconds() + Math.max(1, ttlSeconds) };
    await this.#writeIndex(accountId, index);
  }

  /** The app got a token for the customer: one small write, apart from the index, so the token path never reads it. */
  async touch(accountId: string, clientId: string): Promise<void> {
    await this.#store.adapter('ConsentUse').upsert(`${accountId}:${clientId}`, { at: nowSeconds() }, USE_MEMORY_SECONDS);
  }

  async recall(accountId: string, clientId: string): Promise<string | undefined> {
    const entry = await this.#adapter.find(`${accountId}:${clientId}`);
    return typeof entry?.grantId === 'string' ? entry.grantId : undefined;
  }

  /** The customer's consents whose grant still exists, by app. */
  async list(accountId: string): Promise<ConsentEntry[]> {
    const index = await this.#readIndex(accountId);
    const grants = this.#store.adapter('Grant');
    const uses = this.#store.adapter('ConsentUse');
    const live = await Promise.all(
      Object.values(index).map(async (entry) => {
        if (!(await grants.find(entry.grantId))) return undefined;
        const at = (await uses.find(`${accountId}:${entry.clientId}`))?.at;
        return typeof at === 'number' && at >= entry.since ? { ...entry, lastUsed: at } : entry;
      }),
    );
    return live.filter((entry): entry is ConsentEntry => entry !== undefined).sort((a, b) => a.since - b.since);
  }

  /**
   * Ends an app's access at once: every token and code issued on the grant is deleted (so a
   * refresh gets invalid_grant and introspection says inactive, in every process sharing the
   * store), then the grant and the consent. Returns the grant withdrawn, if there was one.
   */
  async withdraw(accountId: string, clientId: string): Promise<string | undefined> {
    const index = await this.#readIndex(accountId);
    const grantId = index[clientId]?.grantId ?? (await this.recall(accountId, clientId));
    if (!grantId) return undefined;
    // one grant index holds every model's tokens (adapters/keys.ts), so one call reaches them all
    await this.#store.adapter('AccessToken').revokeByGrantId(grantId);
    await this.#store.adapter('Grant').destroy(grantId);
    await this.#adapter.destroy(`${accountId}:${clientId}`);
    await this.#store.adapter('ConsentUse').destroy(`${accountId}:${clientId}`);
    delete index[clientId];
    await this.#writeIndex(accountId, index);
    return grantId;
  }

  async #readIndex(accountId: string): Promise<ConsentIndex> {
    const payload = await this.#index.find(accountId);
    const entries = Object.values((payload?.entries ?? {}) as Record<string, unknown>).filter(isEntry);
    const now = nowSeconds();
    return Object.fromEntries(entries.filter((e) => e.until > now).map((e) => [e.clientId, e]));
  }

  /** The index lives as long as its longest consent: nothing is stored without an expiry. */
  async #writeIndex(accountId: string, index: ConsentIndex): Promise<void> {
    const entries = Object.values(index);
    if (!entries.length) return this.#index.destroy(accountId);
    const ttl = Math.max(...entries.map((e) => e.until)) - nowSeconds();
    await this.#index.upsert(accountId, { entries: index }, Math.max(1, ttl));
  }
}
