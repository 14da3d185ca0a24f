import { randomBytes, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { parseRedisUrl, RedisUrlError } from '../adapters/redis_url.ts';
import { parseApiRegistry, sampleApis, type ApiDefinition } from './apis.ts';
import { ValtuusError } from '../lib/errors.ts';
import { readBranding, type Branding } from './branding.ts';
import { isLocale, LOCALES, type Locale } from './locales.ts';
import { readCibaConfig, type CibaConfig } from './ciba.ts';
import { readPasswordHashConfig, type PasswordHashConfig } from './password_hash.ts';
import { parseNotifyUrl, parseTrustProxy, productionBruteForceProblems, type TrustProxy } from './security.ts';

export type { ApiDefinition, ApiScope, SecurityLevel } from './apis.ts';
export type { TrustProxy } from './security.ts';
export type { PasswordHashConfig } from './password_hash.ts';
export { LOCALES, type Locale } from './locales.ts';
export type { Branding } from './branding.ts';

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [key: string]: unknown;
}

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly issuer: string;
  /** undefined means the embedded in-memory sandbox */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly webConcurrency: number;
  readonly cookieKeys: readonly string[];
  readonly jwks: { readonly keys: readonly Jwk[] };
  /** 32 bytes shared by every process, for DPoP nonces */
  readonly dpopNonceSecret: Buffer;
  readonly logLevel: string;
  readonly apis: readonly ApiDefinition[];
  /** which settings were generated because they were missing (development only) */
  readonly ephemeral: readonly string[];
  /** `notifyUrl`: where locks are POSTed so the customer can be told; unset = nobody is */
  readonly lockout: { readonly maxFailures: number; readonly lockSeconds: number; readonly notifyUrl: string | undefined };
  /** per-minute budgets; 0 switches a limit off */
  readonly limits: {
    readonly clientAuthFailuresPerClient: number;
    readonly authFailuresPerAddress: number;
    readonly loginFailuresPerAddress: number;
    readonly tokenRequestsPerClient: number;
    /** new sign-in interactions an address may start */
    readonly interactionsPerAddress: number;
  };
  /** whose X-Forwarded-For/-Proto are believed (README "Deployment") */
  readonly trustProxy: TrustProxy;
  /** how long a refresh token just rotated may be retried by its client, replacing the unused successor (README "Guarantees under faults"); 0 = never */
  readonly refreshReuseGraceSeconds: number;
  /** where Prometheus metrics are served: a port of their own, or /metrics behind a bearer token; both off by default */
  readonly metrics: { readonly port: number | undefined; readonly token: string | undefined };
  /** argon2id cost of new password hashes: config/password_hash.ts */
  readonly passwordHash: PasswordHashConfig;
  /** decoupled approval (CIBA): config/ciba.ts */
  readonly ciba: CibaConfig;
  /** the pages' language when neither ui_locales, the language cookie nor Accept-Language names one */
  readonly defaultLocale: Locale;
  readonly branding: Branding;
  /** the trusted directory's keys for software statements (RFC 7591 §2.3); undefined = none trusted */
  readonly softwareStatementKeys: { readonly url: string } | { readonly jwks: { readonly keys: readonly Jwk[] } } | undefined;
}

export class ConfigError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_CONFIG';
  override readonly code = 'ERR_VALTUUS_CONFIG';
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const jwkSetSchema = z.object({
  keys: z
    .array(
      z
        .looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']), d: z.string().min(1) })
        .refine((k) => k.kty !== 'RSA' || (typeof k.n === 'string' && k.n.length >= 340), 'RSA keys must be 2048 bits or more'),
    )
    .min(1, 'at least one private signing key is needed'),
});

const MIN_COOKIE_KEY_LENGTH = 32;
const REDIS_URL_FORMS =
  'REDIS_URL must be redis[s]://[:password@]host:port, redis[s]+sentinel://[:password@]host:26379,…/<master-name> or redis[s]+cluster://[:password@]host:6379,…';

function intVar(value: string | undefined, name: string, fallback: number, problems: string[], min = 1, max = 65535): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${value}")`);
    return fallback;
  }
  return n;
}

function parseJwks(raw: string, problems: string[]): Config['jwks'] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push('JWKS must be a JSON Web Key Set (JSON with a "keys" array); it is not valid JSON');
    return undefined;
  }
  const parsed = jwkSetSchema.safeParse(json);
  if (!parsed.success) {
    problems.push(
      `JWKS must be a JSON Web Key Set of private keys: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'keys'}: ${i.message}`).join('; ')}`,
    );
    return undefined;
  }
  return parsed.data as Config['jwks'];
}

/** The API registry: a JSON file named by API_REGISTRY, read and validated once at start; else the sample. */
function readApiRegistry(path: string | undefined, problems: string[]): readonly ApiDefinition[] {
  if (!path) return sampleApis;
  try {
    return parseApiRegistry(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    problems.push(`API_REGISTRY (${path}): ${err instanceof SyntaxError ? 'not valid JSON' : (err as Error).message}`);
    return sampleApis;
  }
}

/** SOFTWARE_STATEMENT_JWKS: the directory's public JWK Set, inline as JSON or as the https:// URL it is published at. */
function parseDirectoryKeys(raw: string | undefined, production: boolean, problems: string[]): Config['softwareStatementKeys'] {
  if (!raw) return undefined;
  const problem = 'SOFTWARE_STATEMENT_JWKS must be a JWK Set of public keys (JSON) or the https:// URL of one';
  if (!raw.trimStart().startsWith('{')) {
    const url = URL.parse(raw);
    if (!url || !['https:', 'http:'].includes(url.protocol) || (production && url.protocol !== 'https:')) problems.push(problem);
    return url ? { url: url.href } : undefined;
  }
  try {
    const jwks = JSON.parse(raw) as { keys?: unknown };
    const keys = Array.isArray(jwks.keys) ? (jwks.keys as Jwk[]) : [];
    if (!keys.length || keys.some((k) => typeof k?.kty !== 'string' || 'd' in k)) throw new Error();
    return { jwks: { keys } };
  } catch {
    problems.push(problem);
    return undefined;
  }
}

export interface LoadOptions {
  /** a generator of development keys, called only when JWKS is missing outside production */
  generateJwks?: () => Config['jwks'];
  apis?: readonly ApiDefinition[];
}

/** Reads the environment once, collects every problem, and returns a frozen settings object. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const problems: string[] = [];
  const ephemeral: string[] = [];

  const nodeEnv = env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development';
  if (env.NODE_ENV && !['production', 'development', 'test'].includes(env.NODE_ENV)) {
    problems.push(`NODE_ENV must be production, development or test (got "${env.NODE_ENV}")`);
  }
  const production = nodeEnv === 'production';

  const port = intVar(env.PORT, 'PORT', 3000, problems, 0); // Heroku's router sets PORT

  let issuer = env.ISSUER || `http://localhost:${port}`;
  try {
    const url = new URL(issuer);
    if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash) throw new Error();
    if (production && !env.ISSUER) problems.push('ISSUER is required in production (the public https:// base URL)');
    else if (production && url.protocol !== 'https:') problems.push('ISSUER must be an https:// URL in production');
    issuer = url.href.replace(/\/$/, '');
  } catch {
    problems.push(`ISSUER must be an absolute http(s) URL without query or fragment (got "${issuer}")`);
  }

  let redisUrl: string | undefined = env.REDIS_URL || undefined;
  if (redisUrl) {
    try {
      parseRedisUrl(redisUrl);
    } catch (err) {
      problems.push(`${REDIS_URL_FORMS}: ${err instanceof RedisUrlError ? err.message : 'it cannot be parsed'}`);
      redisUrl = undefined;
    }
  } else if (production) {
    problems.push('REDIS_URL is required in production (the in-memory sandbox store loses everything on restart)');
  }

  // one worker per CPU is Heroku's convention; computed by the caller when 0
  const webConcurrency = intVar(env.WEB_CONCURRENCY, 'WEB_CONCURRENCY', 0, problems, 1, 64);

  let cookieKeys: string[] = [];
  if (env.COOKIE_KEYS) {
    cookieKeys = env.COOKIE_KEYS.split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    if (cookieKeys.some((k) => k.length < MIN_COOKIE_KEY_LENGTH)) {
      problems.push(`COOKIE_KEYS must be a comma-separated list of secrets of at least ${MIN_COOKIE_KEY_LENGTH} characters each`);
    }
  } else if (production) {
    problems.push('COOKIE_KEYS is required in production (comma-separated secrets, newest first)');
  } else {
    cookieKeys = [randomBytes(32).toString('base64url')];
    ephemeral.push('COOKIE_KEYS');
  }

  let jwks: Config['jwks'] | undefined;
  if (env.JWKS) {
    jwks = parseJwks(env.JWKS, problems);
  } else if (production) {
    problems.push('JWKS is required in production (private signing keys; `npm run --silent admin -- keys generate` makes one)');
  } else if (options.generateJwks) {
    jwks = options.generateJwks();
    ephemeral.push('JWKS');
  }

  const logLevel = env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'); // tests stay quiet unless asked
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }

  const redisKeyPrefix = env.REDIS_KEY_PREFIX ?? 'valtuus:'; // lets several deployments share one Redis
  const maxFailures = intVar(env.LOCKOUT_MAX_FAILURES, 'LOCKOUT_MAX_FAILURES', 5, problems, 1, 1000);
  const lockSeconds = intVar(env.LOCKOUT_SECONDS, 'LOCKOUT_SECONDS', 900, problems, 1, 31_536_000);

  // budgets per minute: generous for honest clients, far below what guessing needs
  const limits = Object.freeze({
    clientAuthFailuresPerClient: intVar(env.RATE_LIMIT_CLIENT_AUTH_FAILURES, 'RATE_LIMIT_CLIENT_AUTH_FAILURES', 20, problems, 0, 1_000_000),
    authFailuresPerAddress: intVar(env.RATE_LIMIT_ADDRESS_AUTH_FAILURES, 'RATE_LIMIT_ADDRESS_AUTH_FAILURES', 50, problems, 0, 1_000_000),
    loginFailuresPerAddress: intVar(env.RATE_LIMIT_ADDRESS_LOGIN_FAILURES, 'RATE_LIMIT_ADDRESS_LOGIN_FAILURES', 30, problems, 0, 1_000_000),
    tokenRequestsPerClient: intVar(env.RATE_LIMIT_TOKEN_REQUESTS, 'RATE_LIMIT_TOKEN_REQUESTS', 6000, problems, 0, 100_000_000),
    interactionsPerAddress: intVar(env.RATE_LIMIT_ADDRESS_INTERACTIONS, 'RATE_LIMIT_ADDRESS_INTERACTIONS', 120, problems, 0, 1_000_000),
  });
  if (production) problems.push(...productionBruteForceProblems({ lockout: { maxFailures, lockSeconds }, limits }));
  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  const notifyUrl = parseNotifyUrl(env.LOCKOUT_NOTIFY_URL, production, problems);

  // a retry after a lost response comes within seconds; FAPI 2.0 §5.3.2.1 wants such a retry to succeed
  const refreshReuseGraceSeconds = intVar(env.REFRESH_REUSE_GRACE_SECONDS, 'REFRESH_REUSE_GRACE_SECONDS', 10, problems, 0, 120);

  const metricsPort = env.METRICS_PORT ? intVar(env.METRICS_PORT, 'METRICS_PORT', 0, problems, 1) : undefined;
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken && metricsToken.length < 32) problems.push('METRICS_TOKEN must be at least 32 characters');

  const apis = options.apis ?? readApiRegistry(env.API_REGISTRY, problems);
  const ciba = readCibaConfig(env, problems, intVar, production);
  const passwordHash = readPasswordHashConfig(env, problems, intVar, production);
  const softwareStatementKeys = parseDirectoryKeys(env.SOFTWARE_STATEMENT_JWKS, production, problems);

  // English by default, as the API documentation is; a Finnish deployment sets DEFAULT_LOCALE=fi
  const defaultLocale = env.DEFAULT_LOCALE || 'en';
  if (!isLocale(defaultLocale)) problems.push(`DEFAULT_LOCALE must be one of ${LOCALES.join(', ')} (got "${defaultLocale}")`);

  const branding = readBranding(env.BRANDING, problems);

  if (problems.length) throw new ConfigError(problems);

  // Derived, never stored: every process with the same COOKIE_KEYS agrees on it.
  const dpopNonceSecret = Buffer.from(hkdfSync('sha256', cookieKeys[0]!, 'valtuus', 'dpop-nonce', 32));

  return Object.freeze({
    env: nodeEnv,
    port,
    issuer,
    redisUrl,
    redisKeyPrefix,
    webConcurrency,
    cookieKeys: Object.freeze(cookieKeys),
    jwks: jwks ?? { keys: [] },
    dpopNonceSecret,
    logLevel,
    apis,
    ephemeral: Object.freeze(ephemeral),
    lockout: Object.freeze({ maxFailures, lockSeconds, notifyUrl }),
    limits,
    trustProxy,
    refreshReuseGraceSeconds,
    metrics: Object.freeze({ port: metricsPort, token: metricsToken }),
    passwordHash,
    ciba,
    defaultLocale: isLocale(defaultLocale) ? defaultLocale : 'en',
    branding,
    softwareStatementKeys,
  });
}
