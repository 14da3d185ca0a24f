import type { Audit } from '../ops/audit.ts';
import type { AccountManager } from './accounts.ts';
import type { LoginGuard } from './guard.ts';
import { verifyAgainstDummy, verifyPassword } from './password.ts';
import { checkTotp } from './totp.ts';

export type PasswordOutcome = { ok: true; sub: string } | { ok: false };
export type CodeOutcome = 'ok' | 'wrong' | 'locked';

/**
 * The two factors of strong customer authentication. Wrong passwords and wrong codes share
 * one counter per account, cleared only when both factors succeed, so knowing the password
 * does not buy more guesses at the code.
 */
export class Authenticator {
  readonly #accounts: AccountManager;
  readonly #guard: LoginGuard;
  readonly #audit: Audit;
  readonly #clock: () => number;

  constructor(accounts: AccountManager, guard: LoginGuard, audit: Audit, clock: () => number = Date.now) {
    this.#accounts = accounts;
    this.#guard = guard;
    this.#audit = audit;
    this.#clock = clock;
  }

  async #failed(sub: string, factor: 'password' | 'otp'): Promise<boolean> {
    const locked = await this.#guard.recordFailure(sub);
    this.#audit('login.failed', { sub, factor });
    if (locked) this.#audit('account.locked', { sub });
    return locked;
  }

  /** Unknown, locked and wrong all answer the same, after the same argon2 work. */
  async checkPassword(username: string, password: string): Promise<PasswordOutcome> {
    const account = await this.#accounts.findByUsername(username);
    if (!account) {
      await verifyAgainstDummy();
      this.#audit('login.failed', { factor: 'password', reason: 'unknown_username' });
      return { ok: false };
    }
    const [locked, valid] = await Promise.all([this.#guard.isLocked(account.sub), verifyPassword(account.passwordHash, password)]);
    if (locked) {
      this.#audit('login.failed', { sub: account.sub, factor: 'password', reason: 'locked' });
      return { ok: false };
    }
    if (!valid) {
      await this.#failed(account.sub, 'password');
      return { ok: false };
    }
    return { ok: true, sub: account.sub };
  }

  async checkCode(sub: string, code: string): Promise<CodeOutcome> {
    const account = await this.#accounts.findBySub(sub);
    if (!account || (await this.#guard.isLocked(sub))) return 'locked';
    const match = checkTotp(account.totpSecret, code.replace(/\s+/g, ''), this.#clock());
    if (!match || !(await this.#guard.useTotpStep(sub, match.step))) {
      return (await this.#failed(sub, 'otp')) ? 'locked' : 'wrong';
    }
    await this.#guard.clearFailures(sub);
    return 'ok';
  }
}
