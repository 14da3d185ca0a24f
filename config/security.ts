import { isIP } from 'node:net';

/**
 * Whose forwarding headers (X-Forwarded-For, X-Forwarded-Proto) are believed: `all` where only
 * the platform's router can reach the process (Heroku), else the listed addresses and CIDR
 * ranges of the proxies in front; empty means nobody's. X-Forwarded-Host is never believed
 * (README "Deployment").
 */
export type TrustProxy = 'all' | readonly string[];

function validEntry(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export function parseTrustProxy(value: string | undefined, problems: string[]): TrustProxy {
  const raw = (value ?? '').trim();
  if (raw === '') return Object.freeze([]);
  if (raw === 'all') return 'all';
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !validEntry(e));
  if (bad.length) {
    problems.push(
      `TRUST_PROXY must be "all" or a comma-separated list of addresses and CIDR ranges such as 10.0.0.0/8 (not: ${bad.join(', ')})`,
    );
    return Object.freeze([]);
  }
  return Object.freeze(entries);
}

export interface BruteForceSettings {
  readonly lockout: { readonly maxFailures: number; readonly lockSeconds: number };
  readonly limits: Readonly<Record<string, number>>;
}

/** PSD2 RTS Art. 4(3)(b): no more than five failed attempts before the block. */
export const PSD2_MAX_FAILURES = 5;
const MIN_PRODUCTION_LOCK_SECONDS = 300; // a lock of seconds is a delay, not a block

/** The variable behind each budget of `Config.limits`, for naming it in a problem. */
export const LIMIT_VARIABLES: Readonly<Record<string, string>> = {
  clientAuthFailuresPerClient: 'RATE_LIMIT_CLIENT_AUTH_FAILURES',
  authFailuresPerAddress: 'RATE_LIMIT_ADDRESS_AUTH_FAILURES',
  loginFailuresPerAddress: 'RATE_LIMIT_ADDRESS_LOGIN_FAILURES',
  tokenRequestsPerClient: 'RATE_LIMIT_TOKEN_REQUESTS',
  interactionsPerAddress: 'RATE_LIMIT_ADDRESS_INTERACTIONS',
};

/** Production never starts with a brute-force control switched off or weaker than PSD2's. */
export function productionBruteForceProblems({ lockout, limits }: BruteForceSettings): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(limits)) {
    if (value <= 0) problems.push(`${LIMIT_VARIABLES[key] ?? key} must not be 0 in production (0 switches the limit off)`);
  }
  if (lockout.maxFailures > PSD2_MAX_FAILURES) {
    problems.push(`LOCKOUT_MAX_FAILURES must be at most ${PSD2_MAX_FAILURES} in production (PSD2 RTS Art. 4(3)(b))`);
  }
  if (lockout.lockSeconds < MIN_PRODUCTION_LOCK_SECONDS) {
    problems.push(`LOCKOUT_SECONDS must be at least ${MIN_PRODUCTION_LOCK_SECONDS} in production`);
  }
  return problems;
}

/** LOCKOUT_NOTIFY_URL: where a lock is reported so the customer can be told (README "Lockout"); https in production. */
export function parseNotifyUrl(value: string | undefined, production: boolean, problems: string[]): string | undefined {
  if (!value) return undefined;
  const url = URL.parse(value);
  if (!url || !['http:', 'https:'].includes(url.protocol) || (production && url.protocol !== 'https:')) {
    problems.push(`LOCKOUT_NOTIFY_URL must be an absolute ${production ? 'https' : 'http(s)'} URL (got "${value}")`);
    return undefined;
  }
  return url.href;
}
