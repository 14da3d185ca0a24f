import { randomUUID } from 'node:crypto';

import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Context, Next } from 'koa';

export type { Logger } from 'pino';

// Belt and braces: these never reach a log line even if a caller passes them by mistake.
const REDACT = [
  'password',
  '*.password',
  'otp',
  '*.otp',
  'client_secret',
  '*.client_secret',
  // an authorization code as a value, not an error's `code` (ECONNREFUSED, ERR_VALTUUS_…)
  'code',
  'params.code',
  'query.code',
  'body.code',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
];

/** Lines a person reads in a terminal (development); production keeps one JSON object per line for the log platform. */
export function prettyDestination(): pino.DestinationStream {
  return pretty({
    sync: true,
    singleLine: true,
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
  });
}

/** Errors are always logged as `{ err }`, in pino's one shape: type, message, stack, code and causes. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'valtuus' },
      serializers: { err: pino.stdSerializers.errWithCause },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Koa's `ctx.state` of one request: its id, and its logger, made on first use (most requests log one line at most). */
class RequestState {
  readonly requestId: string;
  readonly #logger: Logger;
  #child: Logger | undefined;

  constructor(logger: Logger, requestId: string) {
    this.#logger = logger;
    this.requestId = requestId;
  }

  get log(): Logger {
    return (this.#child ??= this.#logger.child({ req_id: this.requestId }));
  }
}

/** Takes X-Request-Id when it is sane, else makes one; echoes it and logs one line per request. */
export function requestLogging(logger: Logger) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const offered = ctx.get('x-request-id');
    const id = REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state = Object.assign(new RequestState(logger, id), ctx.state);
    ctx.set('X-Request-Id', id);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // the path only: query strings can carry codes and state
      if (logger.isLevelEnabled('info')) {
        ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
      }
    }
  };
}
