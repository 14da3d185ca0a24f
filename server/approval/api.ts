import { createHash, timingSafeEqual } from 'node:crypto';

import type { Context, Next } from 'koa';
import { z } from 'zod';

import { answerRequest, type AnswerDeps } from './answer.ts';

export const APPROVAL_API_PATH = '/approval-api/decisions';
const MAX_BODY_BYTES = 4 * 1024;

// what the bank's app backend says the customer did on the device (OIDC Core §2 acr, RFC 8176 amr)
const decisionSchema = z.strictObject({
  auth_req_id: z.string().min(1).max(128),
  sub: z.string().min(1).max(128),
  decision: z.enum(['allow', 'deny']),
  acr: z.string().min(1).max(200),
  amr: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/))
    .min(1)
    .max(8),
  auth_time: z.number().int().positive().optional(),
});

const digest = (value: string) => createHash('sha256').update(value).digest();

function authorized(ctx: Context, token: string): boolean {
  const header = ctx.get('authorization');
  const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
  return timingSafeEqual(digest(presented), digest(token));
}

function reply(ctx: Context, status: number, error?: string, description?: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error ? { error, error_description: description } : '';
  if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="approval-api"');
}

async function readJson(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * POST /approval-api/decisions: the bank's app backend answers a request with the
 * authentication the customer performed on the device. 204 answered; 404 when the request is
 * not open for that customer (unknown, answered, expired or someone else's).
 */
export function approvalApi(deps: AnswerDeps, token: string | undefined) {
  return async function approvalApiRoute(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== APPROVAL_API_PATH) return next();
    if (!token) return reply(ctx, 404, 'not_found', 'the approval API is not configured (APPROVAL_API_TOKEN)');
    if (ctx.method !== 'POST') return reply(ctx, 405, 'invalid_request', 'use POST');
    if (!authorized(ctx, token)) return reply(ctx, 401, 'invalid_token', 'the app backend credentials are missing or wrong');
    const parsed = decisionSchema.safeParse(await readJson(ctx));
    if (!parsed.success) {
      return reply(
        ctx,
        400,
        'invalid_request',
        `a JSON body {auth_req_id, sub, decision, acr, amr[]} is required: ${parsed.error.issues[0]?.message}`,
      );
    }
    const { auth_req_id: id, sub, decision, acr, amr, auth_time: authTime = Math.floor(Date.now() / 1000) } = parsed.data;
    const outcome = await answerRequest(deps, id, sub, decision, { acr, amr, authTime }, 'api');
    return outcome === 'answered' ? reply(ctx, 204) : reply(ctx, 404, 'not_found', 'no open request with that id for that customer');
  };
}
