import { createHash } from 'node:crypto';

import type { Provider } from 'oidc-provider';

import type { AdapterPayload, Store } from '../../adapters/types.ts';
import type { Audit } from '../ops/audit.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { isOidcScope } from '../policy/scopes.ts';
import { ClientError } from './manage.ts';
import { REGISTRATION_POLICY, apiBindingPolicy } from './registration_policy.ts';

export const DEFAULT_IAT_SECONDS = 7 * 24 * 3600; // a week to onboard; `iat create --expires-in` for more or less
const MAX_IAT_SECONDS = 365 * 24 * 3600;
// one record lists every live token, so `iat list` needs no scan of the store
const INDEX_MODEL = 'InitialAccessTokenIndex';
const INDEX_ID = 'all';

interface IndexEntry {
  id: string;
  /** the token value itself, which is also its key in the store: needed to revoke it */
  jti: string;
  issued_at: number;
  expires_at: number;
  apis: string[];
}

/** A handle an operator can read aloud: the value's digest, so listing never shows a usable token. */
function handleOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url').slice(0, 16);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Initial access tokens for dynamic client registration (RFC 7591 §3), issued and revoked by operators. */
export class InitialAccessTokens {
  readonly #provider: Provider;
  readonly #store: Store;
  readonly #registry: ApiRegistry;
  readonly #audit: Audit;

  constructor(provider: Provider, store: Store, registry: ApiRegistry, audit: Audit) {
    this.#provider = provider;
    this.#store = store;
    this.#registry = registry;
    this.#audit = audit;
  }

  /** `scope` binds the token to the APIs those scopes belong to: it may register clients of those APIs only. */
  async create({ expiresIn = DEFAULT_IAT_SECONDS, scope }: { expiresIn?: number; scope?: string }) {
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_IAT_SECONDS) {
      throw new ClientError(`--expires-in must be a whole number of seconds from 1 to ${MAX_IAT_SECONDS}`);
    }
    const apis = this.#apisOf(scope);
    const iat = new this.#provider.InitialAccessToken({
      expiresIn,
      policies: [REGISTRATION_POLICY, ...apis.map(apiBindingPolicy)],
    });
    const token = await iat.save();
    const entry: IndexEntry = { id: handleOf(token), jti: token, issued_at: nowSeconds(), expires_at: nowSeconds() + expiresIn, apis };
    await this.#writeIndex([...(await this.#liveEntries()), entry]);
    this.#audit('iat.issued', { iat_id: entry.id, apis: apis.join(' ') || 'any', expires_at: entry.expires_at });
    return { initial_access_token: token, ...publicEntry(entry) };
  }

  async list() {
    return (await this.#liveEntries()).map(publicEntry);
  }

  /** Takes the handle that `iat list` shows, or the token itself. */
  async revoke(idOrToken: string) {
    const entries = await this.#liveEntries();
    const entry = entries.find((e) => e.id === idOrToken || e.id === handleOf(idOrToken));
    if (!entry) throw new ClientError(`no live initial access token ${idOrToken}`);
    await this.#store.adapter('InitialAccessToken').destroy(entry.jti);
    await this.#writeIndex(entries.filter((e) => e !== entry));
    this.#audit('iat.revoked', { iat_id: entry.id });
    return { id: entry.id, revoked: true };
  }

  #apisOf(scope: string | undefined): string[] {
    const scopes = scope?.split(/\s+/).filter(Boolean) ?? [];
    const unknown = scopes.filter((s) => !isOidcScope(s) && !this.#registry.byScope(s));
    if (unknown.length) throw new ClientError(`unknown scope ${unknown.join(' ')} (not in the API registry)`);
    return [...this.#registry.apisOf(scopes)].map((api) => api.id);
  }

  async #liveEntries(): Promise<IndexEntry[]> {
    const index = await this.#store.adapter(INDEX_MODEL).find(INDEX_ID);
    const entries = ((index?.entries as IndexEntry[] | undefined) ?? []).filter((e) => e.expires_at > nowSeconds());
    const found = await Promise.all(entries.map((e) => this.#store.adapter('InitialAccessToken').find(e.jti)));
    return entries.filter((_e, i) => found[i]);
  }

  async #writeIndex(entries: IndexEntry[]): Promise<void> {
    const adapter = this.#store.adapter(INDEX_MODEL);
    if (!entries.length) return adapter.destroy(INDEX_ID);
    const lastExpiry = Math.max(...entries.map((e) => e.expires_at));
    await adapter.upsert(INDEX_ID, { entries } as AdapterPayload, lastExpiry - nowSeconds());
  }
}

function publicEntry({ jti: _token, ...rest }: IndexEntry) {
  return { ...rest, apis: rest.apis.length ? rest.apis : ['any'] };
}
