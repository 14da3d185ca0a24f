import type { Context } from 'koa';
import getRawBody from 'raw-body';

import { ValtuusError } from '../../lib/errors.ts';

/**
 * A request body as text, at most `limit` bytes (raw-body also checks Content-Length against
 * what arrives); over the limit, the error `tooLarge` makes.
 */
export async function readBody(ctx: Context, limit: number, tooLarge: () => Error): Promise<string> {
  const length = ctx.get('content-length');
  try {
    return await getRawBody(ctx.req, { limit, encoding: 'utf-8', ...(length ? { length } : {}) });
  } catch (err) {
    if ((err as { type?: unknown }).type === 'entity.too.large') throw tooLarge();
    throw err;
  }
}

const MAX_FORM_BYTES = 8 * 1024; // the largest form here holds a username, a password and a token

/** A form that cannot be read (413, 415); its message is shown on the error page. */
export class FormError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_FORM';
  override readonly code = 'ERR_VALTUUS_FORM';

  constructor(status: 413 | 415, message: string) {
    super(message, { status });
  }
}

/** Reads an application/x-www-form-urlencoded body; anything else, or anything large, is refused. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new FormError(415, 'The form could not be read.');
  return new URLSearchParams(await readBody(ctx, MAX_FORM_BYTES, () => new FormError(413, 'The form is too large.')));
}
