import currencies from 'currency-codes';
import { isValidIBAN } from 'ibantools';
import { z } from 'zod';

/** The authorization details type of a single payment (RFC 9396 §2; README "Payments"). */
export const PAYMENT_INITIATION = 'payment_initiation';

/** ISO 4217 codes of real currencies: funds, metals and testing codes ("XTS", "XAU") are not for payments. */
export function currencyDigits(code: string): number | undefined {
  if (!/^[A-Z]{3}$/.test(code)) return undefined;
  const record = currencies.code(code);
  if (!record || record.countries.every((c) => /^zz/i.test(c))) return undefined;
  return record.digits;
}

function decimals(amount: string): number {
  return amount.split('.')[1]?.length ?? 0;
}

/** Today as YYYY-MM-DD where the bank books payments. */
function bankToday(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Helsinki' }).format(new Date());
}

// electronic format (ISO 13616): capitals and digits, no spaces; then the country's length and mod-97 check digits
const iban = z
  .string({ error: 'must be an IBAN string' })
  .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, 'must be an IBAN in electronic format (capitals and digits, no spaces)')
  .refine((value) => isValidIBAN(value), 'is not a valid IBAN: its check digits or length are wrong (ISO 13616)');

const account = z.strictObject({ iban }, { error: 'must be an object with an iban' });

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .refine((value) => value.trim().length > 0, 'must not be empty')
    .refine((value) => value.length <= max, `must be at most ${max} characters`)
    .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters');

const instructedAmount = z
  .strictObject(
    {
      currency: z
        .string({ error: 'must be a currency code string' })
        .refine((code) => currencyDigits(code) !== undefined, 'is not an ISO 4217 currency code (such as EUR)'),
      amount: z
        .string({ error: "must be a decimal string such as '12.50'" })
        .regex(/^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$/, "must be a decimal string such as '12.50'")
        .refine((value) => /[1-9]/.test(value), 'must be more than zero'),
    },
    { error: 'must be an object with currency and amount' },
  )
  .superRefine((value, ctx) => {
    const digits = currencyDigits(value.currency);
    if (digits !== undefined && decimals(value.amount) > digits) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `has more decimals than ${value.currency} has (${digits})` });
    }
  });

/** One payment: exactly these fields, each checked; nothing else is accepted. */
export const paymentInitiationSchema = z.strictObject({
  type: z.literal(PAYMENT_INITIATION),
  locations: z.array(z.url()).optional(),
  instructedAmount,
  creditorName: text(70),
  creditorAccount: account,
  debtorAccount: account.optional(),
  remittanceInformation: text(140),
  requestedExecutionDate: z.iso
    .date({ error: 'must be a date such as 2026-12-24' })
    .refine((date) => date >= bankToday(), 'must not be in the past')
    .optional(),
});

export type PaymentInitiation = z.infer<typeof paymentInitiationSchema>;

/** A field's name for error_description: only RFC 6749 §5.2's characters, and short, whatever the client sent. */
function field(index: number, path: readonly PropertyKey[]): string {
  const name = path
    .map((part) =>
      String(part)
        .replace(/[^\w.-]/g, '?')
        .slice(0, 40),
    )
    .join('.');
  return `authorization_details[${index}].${name}`;
}

/** Every problem, each naming its field, as `authorization_details[0].creditorAccount.iban: …`. */
export function describePaymentProblems(index: number, detail: unknown): string | undefined {
  const result = paymentInitiationSchema.safeParse(detail, { reportInput: true });
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${field(index, [...issue.path, key])}: is not a field of ${PAYMENT_INITIATION}`).join('; ');
      }
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      return `${field(index, issue.path)}: ${missing ? 'is required' : issue.message}`;
    })
    .join('; ');
}
