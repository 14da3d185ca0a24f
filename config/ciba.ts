/** Decoupled approval (CIBA Core 1.0): how requests reach the customer and how long they wait. */
export interface CibaConfig {
  /** seconds a client waits between polls (CIBA Core §7.3 `interval`); faster polls get slow_down */
  readonly pollInterval: number;
  /** the longest a request may wait for the customer, in seconds; `requested_expiry` may only shorten it */
  readonly maxExpiry: number;
  /** requests waiting for one customer at once, from every client together */
  readonly maxPendingPerCustomer: number;
  /** the bank's app backend: where new requests are announced (unset: only the approval page shows them) */
  readonly webhookUrl: string | undefined;
  /** the HMAC-SHA256 key that signs each announcement */
  readonly webhookSecret: string | undefined;
  /** the first retry's delay in ms; each later one waits twice as long (four attempts in all) */
  readonly webhookBackoffMs: number;
  /** the bearer token the app backend presents to the approval API (unset: the API is off) */
  readonly approvalApiToken: string | undefined;
}

type IntVar = (value: string | undefined, name: string, fallback: number, problems: string[], min?: number, max?: number) => number;

const MIN_SECRET_LENGTH = 32;

export function readCibaConfig(env: NodeJS.ProcessEnv, problems: string[], intVar: IntVar, production: boolean): CibaConfig {
  const webhookUrl = env.CIBA_WEBHOOK_URL || undefined;
  const protocol = webhookUrl ? URL.parse(webhookUrl)?.protocol : undefined;
  if (webhookUrl && protocol !== 'https:' && (production || protocol !== 'http:')) {
    problems.push(`CIBA_WEBHOOK_URL must be an absolute https:// URL (got "${webhookUrl}")`);
  }
  const webhookSecret = env.CIBA_WEBHOOK_SECRET || undefined;
  if (webhookUrl && (webhookSecret?.length ?? 0) < MIN_SECRET_LENGTH) {
    problems.push(`CIBA_WEBHOOK_SECRET must be at least ${MIN_SECRET_LENGTH} characters when CIBA_WEBHOOK_URL is set`);
  }
  const approvalApiToken = env.APPROVAL_API_TOKEN || undefined;
  if (approvalApiToken && approvalApiToken.length < MIN_SECRET_LENGTH) {
    problems.push(`APPROVAL_API_TOKEN must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return Object.freeze({
    pollInterval: intVar(env.CIBA_POLL_INTERVAL, 'CIBA_POLL_INTERVAL', 5, problems, 1, 60), // CIBA Core §7.3's default
    maxExpiry: intVar(env.CIBA_MAX_EXPIRY, 'CIBA_MAX_EXPIRY', 300, problems, 10, 3600), // five minutes to find the phone
    maxPendingPerCustomer: intVar(env.CIBA_MAX_PENDING, 'CIBA_MAX_PENDING', 5, problems, 1, 100),
    webhookUrl,
    webhookSecret,
    webhookBackoffMs: intVar(env.CIBA_WEBHOOK_BACKOFF_MS, 'CIBA_WEBHOOK_BACKOFF_MS', 1000, problems, 1, 60_000),
    approvalApiToken,
  });
}
