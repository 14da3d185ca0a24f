import type { Context } from 'koa';

import { ValtuusError } from '../../lib/errors.ts';

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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new FormError(413, 'The form is too large.');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
