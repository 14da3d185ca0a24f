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

/**
 * Reads a form body once, bounded, and hands it on as `req.body`, which oidc-provider's body
 * reader takes instead of the spent stream. Undefined when there is no form, or when its
 * declared length is too large (oidc-provider then refuses it itself, unread).
 */
async function readFormOnce(ctx: Context): Promise<URLSearchParams | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded') || !ctx.req.readable) return undefined;
  if ((ctx.request.length ?? 0) > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  (ctx.req as typeof ctx.req & { body?: Buffer }).body = body;
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * The client a request says it is, before it is authenticated: from HTTP Basic, the form's
 * `client_id` (client_secret_post, public clients) or the `iss` of its client assertion
 * (private_key_jwt, RFC 7523 §3). Only a budget key: nothing is trusted from it.
 */
export async function claimedClientId(ctx: Context): Promise<string | undefined> {
  const basic = basicClientId(ctx.get('authorization'));
  if (basic) return basic;
  const form = await readFormOnce(ctx);
  return form?.get('client_id') || assertionIssuer(form?.get('client_assertion') ?? null);
}
