import type { Context } from 'koa';
import { decodeJwt } from 'jose';

// oidc-provider's own limit for these bodies (its selective_body), so nothing it would take is refused here
const MAX_BODY_BYTES = 56 * 1024;

function basicClientId(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, i));
  } catch {
    return undefined;
  }
}

function assertionIssuer(assertion: string | null): string | undefined {
  if (!assertion) return undefined;
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export class BodyTooLarge extends Error {}

type Request = Context['req'];

/** Resolves once the stream has more to read (or has ended, or failed). */
function moreToRead(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      req.off('readable', done);
      req.off('error', done);
      req.off('close', done);
      if (err instanceof Error) reject(err);
      else resolve();
    };
    req.on('readable', done);
    req.on('error', done);
    req.on('close', done);
  });
}

/**
 * Reads the whole body out of the stream and puts it back (`unshift`), so that oidc-provider's
 * own body reader (lib/shared/selective_body.js) still finds a readable request and parses it
 * as it parses any other; a stream already read would make it fall back to `req.body` with an
 * "already parsed request body" warning. Node keeps a stream open for a chunk put back after
 * its last read (the "one last unshift" check of Readable's end).
 */
async function peekBody(req: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    let chunk: Buffer | null;
    while ((chunk = req.read() as Buffer | null) !== null) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
      chunks.push(chunk);
    }
    // `complete`: the parser has every byte of the message, and all of them were read above
    if (req.complete || req.readableEnded || req.destroyed) break;
    await moreToRead(req);
  }
  const body = Buffer.concat(chunks, size);
  if (size && !req.readableEnded) req.unshift(body);
  return body;
}

/** The form body, read without spending it; undefined when there is none, or when its declared length is too large (oidc-provider then refuses it itself, unread). */
async function readForm(ctx: Context): Promise<URLSearchParams | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded') || !ctx.req.readable) return undefined;
  if ((ctx.request.length ?? 0) > MAX_BODY_BYTES) return undefined;
  return new URLSearchParams((await peekBody(ctx.req)).toString('utf8'));
}

/**
 * The client a request says it is, before it is authenticated: from HTTP Basic, the form's
 * `client_id` (client_secret_post, public clients) or the `iss` of its client assertion
 * (private_key_jwt, RFC 7523 §3). Only a budget key: nothing is trusted from it.
 */
export async function claimedClientId(ctx: Context): Promise<string | undefined> {
  const basic = basicClientId(ctx.get('authorization'));
  if (basic) return basic;
  const form = await readForm(ctx);
  return form?.get('client_id') || assertionIssuer(form?.get('client_assertion') ?? null);
}
