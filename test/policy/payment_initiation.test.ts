import { expect } from 'chai';

import { sampleApis } from '../../config/apis.ts';
import { assertKnownDetailsTypes } from '../../server/policy/authorization_details.ts';
import { currencyDigits, describePaymentProblems } from '../../server/policy/payment_initiation.ts';
import { PAYMENT } from '../payments/support.ts';

describe('policy: the payment_initiation schema (RFC 9396 §2), field by field', () => {
  it('accepts the sample payment, and one without the optional debtor account and date', () => {
    expect(describePaymentProblems(0, PAYMENT)).to.equal(undefined);
    const { debtorAccount: _d, requestedExecutionDate: _r, ...minimal } = PAYMENT;
    expect(describePaymentProblems(0, minimal)).to.equal(undefined);
  });

  it('knows ISO 4217 minor units and refuses funds, metals and test codes', () => {
    expect([currencyDigits('EUR'), currencyDigits('JPY'), currencyDigits('KWD'), currencyDigits('SEK')]).to.deep.equal([2, 0, 3, 2]);
    expect([currencyDigits('XAU'), currencyDigits('XTS'), currencyDigits('eur'), currencyDigits('EURO')]).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('names every problem with its index and path, in error_description characters only (RFC 6749 §5.2)', () => {
    const problems = describePaymentProblems(3, {
      ...PAYMENT,
      instructedAmount: { currency: 'KWD', amount: '1.2345' },
      creditorAccount: { iban: 'FI2112345600000786' },
      'na"me\\': 1,
    })!;
    expect(problems).to.contain('authorization_details[3].instructedAmount.amount: has more decimals than KWD has (3)');
    expect(problems).to.contain('authorization_details[3].creditorAccount.iban: is not a valid IBAN');
    expect(problems).to.contain('authorization_details[3].na?me?: is not a field');
    expect(problems).to.match(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
  });

  it('refuses hostile shapes without throwing: __proto__, nulls, arrays, long and control-character strings', () => {
    const hostile = [
      JSON.parse('{"type":"payment_initiation","__proto__":{"amount":"1"}}'),
      { ...PAYMENT, instructedAmount: null },
      { ...PAYMENT, creditorAccount: [] },
      { ...PAYMENT, creditorName: 'x'.repeat(100_000) },
      { ...PAYMENT, remittanceInformation: 'line\nbreak' },
      { ...PAYMENT, creditorName: '   ' },
      { ...PAYMENT, requestedExecutionDate: '2026-02-30' },
      { ...PAYMENT, instructedAmount: { currency: 'EUR', amount: '1e3' } },
    ];
    for (const detail of hostile) expect(describePaymentProblems(0, detail), JSON.stringify(detail).slice(0, 80)).to.be.a('string');
  });
});

describe('policy: the registry names only authorization details types Valtuus knows', () => {
  it('refuses a registry whose API takes an unknown type, naming the API and the type', () => {
    const apis = sampleApis.map((api) => (api.id === 'accounts' ? { ...api, authorizationDetailsTypes: ['account_information'] } : api));
    expect(() => assertKnownDetailsTypes(apis)).to.throw(/accounts.*account_information/);
    expect(() => assertKnownDetailsTypes(sampleApis)).not.to.throw();
  });
});
