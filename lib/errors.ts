export interface ValtuusErrorOptions {
  /** the HTTP status a Koa app answers with (Koa's `ctx.onerror` contract); 500 unless given */
  status?: number;
  cause?: unknown;
}

/**
 * The base of Valtuus' own errors, as jose's `JOSEError`: callers branch on the string `code`
 * (`ERR_VALTUUS_…`), never on the message. Errors follow Koa's contract: `status`, and
 * `expose` (only exposed errors show their message; docs/architecture.md "Errors").
 * Protocol errors are oidc-provider's own classes instead, so its handler renders them.
 */
export class ValtuusError extends Error {
  static readonly code: string = 'ERR_VALTUUS';
  readonly code: string = 'ERR_VALTUUS';
  readonly status: number;
  readonly expose: boolean;

  constructor(message: string, options: ValtuusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? 500;
    this.expose = this.status < 500;
  }
}
