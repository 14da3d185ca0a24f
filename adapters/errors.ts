import { errors } from 'oidc-provider';

/** Replies that mean "Redis cannot serve this right now", as opposed to a bug in what we sent. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MOVED|ASK|MASTERDOWN|READONLY|OOM|NOREPLICAS)\b/;

/**
 * The store did not answer in time or is unreachable. An oidc-provider error, so its own
 * error handler answers `503 {"error":"temporarily_unavailable"}` (RFC 6749 §4.1.2.1).
 */
export class StoreUnavailableError extends errors.OIDCProviderError {
  static readonly code = 'ERR_VALTUUS_STORE_UNAVAILABLE';
  readonly code = 'ERR_VALTUUS_STORE_UNAVAILABLE';

  constructor(options?: { cause?: unknown }) {
    super(503, 'temporarily_unavailable', options);
    this.error_description = 'the service is temporarily unavailable, try again shortly';
    // a 503 that means "nothing happened, retry": shown, unlike other 5xx
    this.expose = true;
  }
}

/** Connection trouble becomes StoreUnavailableError; protocol errors and genuine bugs pass through. */
export function asStoreError(err: unknown): unknown {
  if (err instanceof errors.OIDCProviderError) return err;
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) return err;
  return new StoreUnavailableError({ cause: err });
}

/** Rejects with `onTimeout()` unless the promise settles within ms. */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
