import { randomBytes } from 'node:crypto';

import { hash, verify, type Algorithm } from '@node-rs/argon2';

import type { PasswordHashConfig } from '../../config/index.ts';
import { ValtuusError } from '../../lib/errors.ts';
import { HashQueue } from './hash_queue.ts';

const ARGON2ID = 2 as Algorithm; // the package's const enum cannot be read under type stripping

export const MIN_PASSWORD_LENGTH = 12; // NIST SP 800-63B asks for at least 8; a bank asks for more
export const MAX_PASSWORD_LENGTH = 256; // bounds the work one request can cause

export class PasswordPolicyError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_PASSWORD_POLICY';
  override readonly code = 'ERR_VALTUUS_PASSWORD_POLICY';

  constructor(message: string) {
    super(message, { status: 400 });
  }
}

export function assertPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new PasswordPolicyError(`a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
}

/** The PHC string's own parameters (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), which verification reads back. */
function parametersOf(passwordHash: string): string | undefined {
  const [, algorithm, , params] = passwordHash.split('$');
  return algorithm === 'argon2id' ? params : undefined;
}

/**
 * argon2id with the configured cost (README "Password hashing"). Each hash carries the
 * parameters it was made with, so hashes made before a change keep verifying; `isCurrent`
 * tells a hash worth remaking on the next successful login. Hashes and verifications take
 * turns, `concurrency` at a time.
 */
export class PasswordHasher {
  readonly #options: { algorithm: Algorithm; memoryCost: number; timeCost: number; parallelism: number };
  readonly #current: string;
  readonly #queue: HashQueue;
  #dummy: Promise<string> | undefined;

  constructor(settings: PasswordHashConfig) {
    this.#options = { algorithm: ARGON2ID, memoryCost: settings.memoryKiB, timeCost: settings.timeCost, parallelism: settings.parallelism };
    this.#current = `m=${settings.memoryKiB},t=${settings.timeCost},p=${settings.parallelism}`;
    this.#queue = new HashQueue(settings.concurrency);
  }

  hash(password: string): Promise<string> {
    const normalized = password.normalize('NFKC');
    return this.#queue.run(() => hash(normalized, this.#options));
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    const normalized = password.normalize('NFKC');
    try {
      return await this.#queue.run(() => verify(passwordHash, normalized));
    } catch {
      return false;
    }
  }

  isCurrent(passwordHash: string): boolean {
    return parametersOf(passwordHash) === this.#current;
  }

  /** Computes the dummy hash ahead of the first unknown username, so that one is not slower. */
  warmUp(): void {
    this.#dummy ??= this.hash(randomBytes(32).toString('base64url'));
  }

  /**
   * Costs what a real verification costs and always fails: used for unknown usernames so the
   * response time does not tell whether a username exists.
   */
  async verifyAgainstDummy(): Promise<false> {
    this.warmUp();
    const dummy = await this.#dummy!;
    await this.#queue.run(() => verify(dummy, randomBytes(16).toString('base64url')));
    return false;
  }
}
