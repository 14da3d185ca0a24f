import { createHash } from 'node:crypto';

/** Static reference rates: the public data a low-level API serves. */
export const EXCHANGE_RATES = Object.freeze({
  base: 'EUR',
  date: '2025-01-02',
  rates: Object.freeze({ USD: 1.0321, GBP: 0.8296, SEK: 11.4935, NOK: 11.7565, DKK: 7.4589, CHF: 0.9382, JPY: 162.74 }),
});

export interface DemoAccount {
  account_id: string;
  name: string;
  iban: string;
  currency: 'EUR';
  balance: string;
}

/** ISO 13616 check digits: the IBAN with its country moved last, letters as numbers, mod 97. */
function finnishIban(bban: string): string {
  const numeric = `${bban}151800`; // F=15, I=18, then "00"
  const check = 98n - (BigInt(numeric) % 97n);
  return `FI${check.toString().padStart(2, '0')}${bban}`;
}

function digits(bytes: Buffer, count: number): string {
  return [...bytes.subarray(0, count)].map((b) => String(b % 10)).join('');
}

function cents(bytes: Buffer): string {
  const value = bytes.readUInt32BE(0) % 1_000_000;
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

/** Every customer has the same two demo accounts, derived from their `sub` so they stay put. */
export function demoAccounts(sub: string): DemoAccount[] {
  return ['Current account', 'Savings account'].map((name, i) => {
    const seed = createHash('sha256').update(`${sub}\0${i}`).digest();
    return {
      account_id: seed.subarray(0, 12).toString('base64url'),
      name,
      iban: finnishIban(digits(seed.subarray(12), 14)),
      currency: 'EUR',
      balance: cents(seed.subarray(28)),
    };
  });
}
