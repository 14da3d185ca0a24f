import type { Store } from '../../adapters/types.ts';

/**
 * Which grant holds a customer's consent for a client, so a later authorization (in any
 * browser) asks only for what is new. The entry expires with its grant; revoking the grant
 * (token revocation, code or refresh token reuse) makes the entry point at nothing.
 */
export class ConsentMemory {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get #adapter() {
    return this.#store.adapter('Consent');
  }

  async remember(accountId: string, clientId: string, grantId: string, ttlSeconds: number): Promise<void> {
    await this.#adapter.upsert(`${accountId}:${clientId}`, { accountId, clientId, grantId }, Math.max(1, ttlSeconds));
  }

  async recall(accountId: string, clientId: string): Promise<string | undefined> {
    const entry = await this.#adapter.find(`${accountId}:${clientId}`);
    return typeof entry?.grantId === 'string' ? entry.grantId : undefined;
  }
}
