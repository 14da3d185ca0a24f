import { Secret, TOTP } from 'otpauth';

const PERIOD = 30; // RFC 6238 defaults, which every authenticator app supports
const DIGITS = 6;
const WINDOW = 1; // one step either side absorbs clock drift and typing time

export interface TotpMatch {
  /** The RFC 6238 time step the code belongs to; a code works once, so later codes must have a later step. */
  step: number;
}

function totp(secret: string, username: string, issuer = ''): TOTP {
  return new TOTP({
    issuer,
    label: username,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** A new 160-bit secret (RFC 4226 §4 recommends 160 bits), base32 as authenticator apps expect. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The enrolment URI; `issuer` is the bank's name, which the authenticator app shows beside the code. */
export function totpUri(secret: string, username: string, issuer: string): string {
  return totp(secret, username, issuer).toString();
}

export function checkTotp(secret: string, code: string, now = Date.now()): TotpMatch | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const delta = totp(secret, '').validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return { step: Math.floor(now / 1000 / PERIOD) + delta };
}

/** The current code, for the sandbox banner's users and for tests. */
export function currentTotp(secret: string, now = Date.now()): string {
  return totp(secret, '').generate({ timestamp: now });
}

/** Seconds a used step must be remembered: until no code of it or before it can validate. */
export const USED_STEP_MEMORY_SECONDS = PERIOD * (2 * WINDOW + 2);
