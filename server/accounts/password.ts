import { randomBytes } from 'node:crypto';

import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

import { ValtuusError } from '../../lib/errors.ts';

/**
 * argon2id with OWASP's Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1):
 * about 20–40 ms per hash on one core, and memory-hard against GPUs.
 */
export const PASSWORD_HASH_PARAMETERS: Readonly<Options> = Object.freeze({
  algorithm: 2 as Algorithm, // Argon2id; the package's const enum cannot be read under type stripping
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

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

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFKC'), PASSWORD_HASH_PARAMETERS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password.normalize('NFKC'));
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Computes the dummy hash ahead of the first unknown username, so that one is not slower. */
export function warmUpDummyHash(): void {
  dummy ??= hashPassword(randomBytes(32).toString('base64url'));
}

/**
 * Costs what a real verification costs and always fails: used for unknown usernames so the
 * response time does not tell whether a username exists.
 */
export async function verifyAgainstDummy(): Promise<false> {
  warmUpDummyHash();
  await verify(await dummy!, randomBytes(16).toString('base64url'));
  return false;
}
