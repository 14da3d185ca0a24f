import type { Audit } from '../ops/audit.ts';
import type { AccountManager } from './accounts.ts';
import type { LoginGuard } from './guard.ts';
import { checkTotp } from './totp.ts';

export type PasswordOutcome = { ok: true; sub: string } | { ok: false };
export type CodeOutcome = 'ok' | 'wrong' | 'locked';

/** What a customer is told when their sign-in is blocked (README "Lockout"); undefined: nobody is told. */
export interface LockNotice {
  sub: string;
  /** `account`: the SCA lock after failed one-time codes; `source`: failed passwords from one source */
  scope: 'account' | 'source';
  source: string;
}
export type LockNotifier = (notice: LockNotice) => void;

export interface AuthenticatorOptions {
  clock?: () => number;
  notify?: LockNotifier;
}

/**
 * The two factors of strong customer authentication (README "Lockout"). A stranger without
 * the password spends only the budget of their own source; the account-wide SCA lock counts
 * failed one-time codes, which only someone past the password can send. Every attempt is
 * reserved before it is evaluated and kept or released by its outcome.
 */
export class Authenticator {
  readonly #accounts: AccountManager;
  readonly #guard: LoginGuard;
  readonly #audit: Audit;
  readonly #notify: LockNotifier;
  readonly #clock: () => number;

  /** `clock`: the time (ms) one-time codes are checked at; `notify`: told of every block (README "Lockout") */
  constructor(accounts: AccountManager, guard: LoginGuard, audit: Audit, options: AuthenticatorOptions = {}) {
    this.#accounts = accounts;
    this.#guard = guard;
    this.#audit = audit;
    this.#notify = options.notify ?? (() => undefined);
    this.#clock = options.clock ?? Date.now;
  }

  #locked(notice: LockNotice): void {
    this.#audit(notice.scope === 'account' ? 'account.locked' : 'login.source_blocked', { sub: notice.sub, source: notice.source });
    this.#notify(notice);
  }

  /** Unknown, locked and wrong all answer the same, after the same argon2 work. */
  async checkPassword(username: string, password: string, source: string): Promise<PasswordOutcome> {
    const account = await this.#accounts.findByUsername(username);
    if (!account) {
      await this.#accounts.verifyAgainstDummy();
      this.#audit('login.failed', { factor: 'password', reason: 'unknown_username' });
      return { ok: false };
    }
    const { sub } = account;
    const attempt = await this.#guard.reservePassword(sub, source);
    if (!attempt) {
      await this.#accounts.verifyAgainstDummy();
      this.#audit('login.failed', { sub, username: account.username, factor: 'password', reason: 'locked' });
      return { ok: false };
    }
    if (await this.#accounts.verifyPassword(account, password)) {
      await attempt.release();
      return { ok: true, sub };
    }
    const blocked = await attempt.keep();
    this.#audit('login.failed', { sub, username: account.username, factor: 'password' });
    if (blocked) this.#locked({ sub, scope: 'source', source });
    return { ok: false };
  }

  async checkCode(sub: string, code: string, source: string): Promise<CodeOutcome> {
    const account = await this.#accounts.findBySub(sub);
    const attempt = account ? await this.#guard.reserveCode(sub) : undefined;
    if (!account || !attempt) {
      this.#audit('login.failed', { sub, username: account?.username, factor: 'otp', reason: 'locked' });
      return 'locked';
    }
    const match = checkTotp(account.totpSecret, code.replace(/\s+/g, ''), this.#clock());
    // accepted, the code failures are forgotten, this attempt's point with them: no release first
    if (match && (await this.#guard.useTotpStep(sub, match.step, source))) return 'ok';
    const locked = await attempt.keep();
    this.#audit('login.failed', { sub, username: account.username, factor: 'otp' });
    if (!locked) return 'wrong';
    this.#locked({ sub, scope: 'account', source });
    return 'locked';
  }
}
