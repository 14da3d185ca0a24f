import { detailsOfType, insufficientAuthorization, tokenUsed, type UseRecord } from '../../resource_server/index.ts';
import type { AuthorizationDetail, VerifiedToken } from '../../resource_server/types.ts';
import type { PaymentRequest } from './payments.ts';

type Field = keyof PaymentRequest;

interface Approved extends AuthorizationDetail {
  instructedAmount?: { amount?: unknown; currency?: unknown };
  creditorName?: unknown;
  creditorAccount?: { iban?: unknown };
  debtorAccount?: { iban?: unknown };
}

// what the customer saw and approved, field by field of the submission (PSD2 RTS art. 5: amount and payee)
const LINKED: readonly [Field, (approved: Approved) => unknown][] = [
  ['amount', (a) => a.instructedAmount?.amount],
  ['currency', (a) => a.instructedAmount?.currency],
  ['creditor_name', (a) => a.creditorName],
  ['creditor_iban', (a) => a.creditorAccount?.iban],
  ['debtor_iban', (a) => a.debtorAccount?.iban],
];

/**
 * Dynamic linking at the payment: the submission must be exactly the payment_initiation the
 * customer approved (its token's authorization details), and the token makes one payment.
 */
export async function assertApprovedPayment(token: VerifiedToken, request: PaymentRequest, used: UseRecord): Promise<void> {
  const [approved, ...more] = detailsOfType(token, 'payment_initiation') as Approved[];
  if (!approved || more.length) {
    throw insufficientAuthorization(
      'this access token approves no single payment: authorize it with authorization_details of type payment_initiation (RFC 9396)',
    );
  }
  const differs = LINKED.filter(([field, of]) => of(approved) !== request[field]).map(([field]) => field);
  if (differs.length) {
    throw insufficientAuthorization(`the payment differs from the one the customer approved: ${differs.join(', ')}`);
  }
  if (!(await used.spend(token.id, token.exp))) {
    throw tokenUsed('this payment authorization has been used: another payment needs a new authorization');
  }
}
