import { randomUUID } from 'node:crypto';

import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { z } from 'zod';

import type { VerifiedToken } from '../../resource_server/types.ts';
import { ValtuusError } from '../../lib/errors.ts';

const MAX_BODY_BYTES = 16 * 1024;

/** A client mistake in the request body, in Koa's status/expose contract. */
export class RequestError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_REQUEST';
  override readonly code = 'ERR_VALTUUS_REQUEST';
  /** the OAuth-style error code of the JSON body */
  readonly error: string;

  constructor(status: number, error: string, description: string) {
    super(description, { status });
    this.error = error;
  }
}

function ibanChecksumValid(iban: string): boolean {
  const rearranged = `${iban.slice(4)}${iban.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return BigInt(rearranged) % 97n === 1n;
}

const paymentSchema = z.strictObject({
  amount: z
    .string()
    .regex(/^(0|[1-9]\d{0,8})(\.\d{1,2})?$/, 'must be a decimal string such as "12.50"')
    .refine((a) => Number(a) > 0, 'must be more than zero'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  creditor_name: z.string().trim().min(1).max(70),
  creditor_iban: z
    .string()
    .regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'must be an IBAN without spaces')
    .refine(ibanChecksumValid, 'has wrong check digits'),
  // the account the customer approved paying from, when the authorization named one
  debtor_iban: z
    .string()
    .regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'must be an IBAN without spaces')
    .refine(ibanChecksumValid, 'has wrong check digits')
    .optional(),
  remittance_information: z.string().max(140).optional(),
});

export type PaymentRequest = z.infer<typeof paymentSchema>;

async function readBody(ctx: Context): Promise<string> {
  const length = ctx.get('content-length');
  try {
    return await getRawBody(ctx.req, { limit: MAX_BODY_BYTES, encoding: 'utf-8', ...(length ? { length } : {}) });
  } catch (err) {
    if ((err as { type?: unknown }).type !== 'entity.too.large') throw err;
    throw new RequestError(413, 'invalid_request', `the body may be at most ${MAX_BODY_BYTES} bytes`);
  }
}

/** The payment initiation body: JSON, small, and every field valid. */
export async function readPaymentRequest(ctx: Context): Promise<PaymentRequest> {
  if (!ctx.is('application/json')) throw new RequestError(415, 'invalid_request', 'send the payment as application/json');
  let json: unknown;
  try {
    json = JSON.parse(await readBody(ctx));
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new RequestError(400, 'invalid_request', 'the body is not valid JSON');
  }
  const parsed = paymentSchema.safeParse(json);
  if (!parsed.success) {
    throw new RequestError(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; '));
  }
  return parsed.data;
}

export function acceptPayment(token: VerifiedToken, request: PaymentRequest) {
  return {
    payment_id: randomUUID(),
    status: 'accepted',
    created_at: new Date().toISOString(),
    debtor: token.sub,
    initiated_by: token.client_id,
    ...request,
  };
}
