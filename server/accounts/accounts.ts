import { randomBytes } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import type { AdapterPayload, Store } from '../../adapters/types.ts';
import type { LoginGuard } from './guard.ts';
import { assertPasswordPolicy, type PasswordHasher } from './password.ts';
import { generateTotpSecret, totpUri } from './totp.ts';
import { ValtuusError } from '../../lib/errors.ts';

/** A bank customer (the resource owner), keyed by an opaque `sub` that never changes. */
export interface Account {
  sub: string;
  username: string;
  passwordHash: string;
  totpSecret: string;
  createdAt: number;
}

export interface Enrolment {
  sub: string;
  username: string;
  totp_uri: string;
}

/** A customer change that cannot be made (400, exposed). */
export class AccountError extends ValtuusError {
  static override readonly code: string = 'ERR_VALTUUS_ACCOUNT';
  override readonly code: string = 'ERR_VALTUUS_ACCOUNT';

  constructor(message: string) {
    super(message, { status: 400 });
  }
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

/** Usernames compare case-insensitively and after Unicode compatibility folding. */
export function normalizeUsername(input: string): string {
  return input.normalize('NFKC').trim().toLowerCase();
}

function isAccount(payload: AdapterPayload | undefined): payload is AdapterPayload & Account {
  return typeof payload?.sub === 'string' && typeof payload.passwordHash === 'string' && typeof payload.totpSecret === 'string';
}

/** Customers in the store: `Account` by sub, and `AccountUsername` from username to sub. Both live without expiry. */
export class AccountManager {
  readonly #store: Store;
  readonly #guard: LoginGuard;
  /** the bank's name, the authenticator entry's label (README "Branding") */
  readonly #issuer: string;
  readonly #hasher: PasswordHasher;
  /** sub → username: a customer's username never changes, so this is never stale (audit lines, the consent page) */
  readonly #knownUsernames = new LRUCache<string, string>({ max: 10_000 });

  constructor(store: Store, guard: LoginGuard, issuer: string, hasher: PasswordHasher) {
    this.#store = store;
    this.#guard = guard;
    this.#issuer = issuer;
    this.#hasher = hasher;
  }

  get #accounts() {
    return this.#store.adapter('Account');
  }

  get #usernames() {
    return this.#store.adapter('AccountUsername');
  }

  async create(input: { username: string; password: string }): Promise<Enrolment> {
    const username = normalizeUsername(input.username);
    if (!USERNAME.test(username)) {
      throw new AccountError('a username has 3 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)');
    }
    assertPasswordPolicy(input.password);
    if (await this.#usernames.find(username)) throw new AccountError(`the username ${username} is taken`);
    const account: Account = {
      sub: randomBytes(16).toString('base64url'),
      username,
      passwordHash: await this.#hasher.hash(input.password),
      totpSecret: generateTotpSecret(),
      createdAt: Math.floor(Date.now() / 1000),
    };
    await this.#accounts.upsert(account.sub, { ...account });
    await this.#usernames.upsert(username, { sub: account.sub });
    return { sub: account.sub, username, totp_uri: totpUri(account.totpSecret, username, this.#issuer) };
  }

  async findBySub(sub: string): Promise<Account | undefined> {
    const payload = await this.#accounts.find(sub);
    if (!isAccount(payload)) return undefined;
    this.#knownUsernames.set(payload.sub, payload.username);
    return payload;
  }

  /** The username of a customer, for audit lines and pages: from memory when this process has met them. */
  async usernameOf(sub: string): Promise<string | undefined> {
    return this.#knownUsernames.get(sub) ?? (await this.findBySub(sub))?.username;
  }

  async findByUsername(input: string): Promise<Account | undefined> {
    const entry = await this.#usernames.find(normalizeUsername(input));
    return typeof entry?.sub === 'string' ? this.findBySub(entry.sub) : undefined;
  }

  /**
   * Checks a customer's password; a right one whose hash was made with other parameters than
   * today's (README "Password hashing") is hashed again, so a change of cost reaches every
   * customer who signs in.
   */
  async verifyPassword(account: Account, password: string): Promise<boolean> {
    if (!(await this.#hasher.verify(account.passwordHash, password))) return false;
    if (!this.#hasher.isCurrent(account.passwordHash)) await this.#rehash(account, password);
    return true;
  }

  /** The same work as a verification, always false: for an unknown username or a blocked one. */
  verifyAgainstDummy(): Promise<false> {
    return this.#hasher.verifyAgainstDummy();
  }

  async #rehash(account: Account, password: string): Promise<void> {
    const passwordHash = await this.#hasher.hash(password);
    // read again just before writing: only the hash changes, never a one-time-code secret reset meanwhile
    const stored = await this.findBySub(account.sub);
    if (stored?.passwordHash !== account.passwordHash) return;
    await this.#accounts.upsert(account.sub, { ...stored, passwordHash });
  }

  async delete(username: string): Promise<{ sub: string; username: string; deleted: true }> {
    const account = await this.#mustFind(username);
    await this.#usernames.destroy(account.username);
    await this.#accounts.destroy(account.sub);
    await this.#guard.reset(account.sub);
    return { sub: account.sub, username: account.username, deleted: true };
  }

  async unlock(username: string): Promise<{ sub: string; username: string; status: 'active' }> {
    const account = await this.#mustFind(username);
    await this.#guard.reset(account.sub);
    return { sub: account.sub, username: account.username, status: 'active' };
  }

  /** A new authenticator secret: the old app entry stops working at once. */
  async resetTotp(username: string): Promise<Enrolment> {
    const account = await this.#mustFind(username);
    const totpSecret = generateTotpSecret();
    await this.#accounts.upsert(account.sub, { ...account, totpSecret });
    return { sub: account.sub, username: account.username, totp_uri: totpUri(totpSecret, account.username, this.#issuer) };
  }

  /** Every customer, by username, with the lock state (`user list`); never a secret. */
  async list(): Promise<{ sub: string; username: string; created_at: number; status: 'active' | 'locked' }[]> {
    const all = (await this.#accounts.list()).filter(isAccount);
    const rows = await Promise.all(
      all.map(async (a) => ({ sub: a.sub, username: a.username, created_at: a.createdAt, status: await this.status(a.sub) })),
    );
    return rows.sort((x, y) => x.username.localeCompare(y.username));
  }

  /** One customer for `user show`, by username; throws when there is none. */
  async show(username: string): Promise<Account> {
    return this.#mustFind(username);
  }

  async status(sub: string): Promise<'active' | 'locked'> {
    return (await this.#guard.isLocked(sub)) ? 'locked' : 'active';
  }

  async #mustFind(username: string): Promise<Account> {
    const account = await this.findByUsername(username);
    if (!account) throw new AccountError(`no customer with username ${normalizeUsername(username)}`);
    return account;
  }
}
