import { friendlyFormatIBAN } from 'ibantools';
import { errors } from 'oidc-provider';

import type { PageLanguage } from '../pages/kit.ts';
import { requestedDetails, type AuthorizationDetail } from '../policy/authorization_details.ts';
import { PAYMENT_INITIATION, currencyDigits, type PaymentInitiation } from '../policy/payment_initiation.ts';

/** One payment as the consent page shows it: every value formatted for the customer's language. */
export interface PaymentView {
  amount: string;
  creditorName: string;
  creditorIban: string;
  /** the account the payment is made from, or what happens when the application named none */
  debtor: string;
  reference: string;
  date: string;
}

// the bank's customers are in Finland: Finnish and Swedish as written there, English with Finnish dates
const NUMBER_LOCALES: Record<string, string> = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-FI' };

function formatAmount(payment: PaymentInitiation, locale: string): string {
  const { amount, currency } = payment.instructedAmount;
  const digits = currencyDigits(currency) ?? 2;
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // a decimal string is formatted exactly (ECMA-402 Intl.NumberFormat v3), never through a float
  return format.format(amount as `${number}`);
}

function formatDate(date: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

function iban(value: string): string {
  return friendlyFormatIBAN(value) ?? value;
}

/**
 * The payment as validated at PAR and again at the authorization endpoint. Only its shape is
 * checked here (a requested date may have become today's meanwhile); a detail that cannot be
 * shown in full is never approved.
 */
function asPayment(detail: AuthorizationDetail): PaymentInitiation {
  const payment = detail as Partial<PaymentInitiation>;
  const shown = [
    payment.instructedAmount?.amount,
    payment.instructedAmount?.currency,
    payment.creditorName,
    payment.creditorAccount?.iban,
    payment.remittanceInformation,
  ];
  if (shown.some((value) => typeof value !== 'string')) {
    throw new errors.InvalidRequest('this payment cannot be shown; start again from the application');
  }
  return payment as PaymentInitiation;
}

/** The payments of an authorization request, ready for the consent page (none for other requests). */
export function paymentsToShow(params: Record<string, unknown>, language: PageLanguage): PaymentView[] {
  const locale = NUMBER_LOCALES[language.locale] ?? NUMBER_LOCALES.en!;
  return requestedDetails(params)
    .filter((detail) => detail.type === PAYMENT_INITIATION)
    .map(asPayment)
    .map((payment) => ({
      amount: formatAmount(payment, locale),
      creditorName: payment.creditorName,
      creditorIban: iban(payment.creditorAccount.iban),
      debtor: payment.debtorAccount ? iban(payment.debtorAccount.iban) : language.t('payment.mainAccount'),
      reference: payment.remittanceInformation,
      date: payment.requestedExecutionDate ? formatDate(payment.requestedExecutionDate, locale) : language.t('payment.asap'),
    }));
}
