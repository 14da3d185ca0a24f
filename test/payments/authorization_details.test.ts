import { expect } from 'chai';
import * as oauth from 'oauth4webapi';

import { REDIRECT_URI } from '../support/code_grant.ts';
import { Flow, createCustomer } from '../support/flow.ts';
import { basic, json, postForm, registerClient, type TestServer, useServerOnRedis } from '../support/server.ts';
import {
  PAYMENT,
  PAYMENTS,
  discover,
  insecure,
  introspect,
  paymentParams,
  registerPaymentsTpp,
  withNonceRetry,
  type Payment,
  type PaymentsTpp,
} from './support.ts';

const with_ = (changes: Payment): Payment => ({ ...PAYMENT, ...changes });
const { creditorName: _creditorName, ...withoutCreditorName } = PAYMENT;

// each malformed payment, and the field its error must name
const MALFORMED: [string, Payment, string][] = [
  ['a creditor IBAN with wrong check digits', with_({ creditorAccount: { iban: 'DE89370400440532013001' } }), 'creditorAccount.iban'],
  ['a debtor IBAN with spaces', with_({ debtorAccount: { iban: 'FI21 1234 5600 0007 85' } }), 'debtorAccount.iban'],
  ['an unknown currency', with_({ instructedAmount: { currency: 'EUX', amount: '10.00' } }), 'instructedAmount.currency'],
  ['a negative amount', with_({ instructedAmount: { currency: 'EUR', amount: '-10.00' } }), 'instructedAmount.amount'],
  ['an amount with a decimal comma', with_({ instructedAmount: { currency: 'EUR', amount: '10,00' } }), 'instructedAmount.amount'],
  ['a zero amount', with_({ instructedAmount: { currency: 'EUR', amount: '0.00' } }), 'instructedAmount.amount'],
  ['more decimals than the currency has', with_({ instructedAmount: { currency: 'JPY', amount: '100.5' } }), 'instructedAmount.amount'],
  ['an amount as a JSON number', with_({ instructedAmount: { currency: 'EUR', amount: 10 } }), 'instructedAmount.amount'],
  ['a missing creditor name', withoutCreditorName, 'creditorName'],
  ['a field payment_initiation does not have', with_({ ultimateCreditor: 'someone' }), 'ultimateCreditor'],
  ['an execution date in the past', with_({ requestedExecutionDate: '2020-01-01' }), 'requestedExecutionDate'],
  ['an unknown type', with_({ type: 'account_information' }), 'type'],
];

describe('RFC 9396 authorization_details: payment_initiation for the Payments API (oauth4webapi: PAR, private_key_jwt, DPoP)', function () {
  this.timeout(20_000);
  const fx = useServerOnRedis();
  let srv: TestServer;
  let as: oauth.AuthorizationServer;
  let tpp: PaymentsTpp;

  before(async () => {
    ({ srv } = fx);
    as = await discover(srv);
    tpp = await registerPaymentsTpp(srv);
  });

  const dpop = async () => oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
  const push = async (params: URLSearchParams, handle?: oauth.DPoPHandle) =>
    oauth.pushedAuthorizationRequest(as, tpp.client, tpp.auth, params, { DPoP: handle ?? (await dpop()), ...insecure });

  /** PAR with the details, then the customer's sign-in and decision on the pages. */
  async function authorize(details: Payment[], handle: oauth.DPoPHandle, extra: Record<string, string> = {}) {
    const { params, verifier, state } = await paymentParams(details);
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    const par = await oauth.processPushedAuthorizationResponse(as, tpp.client, await push(params, handle));
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, {
      client_id: tpp.client.client_id,
      request_uri: par.request_uri,
      redirect_uri: REDIRECT_URI,
      scope: 'payments:write',
      state,
    });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    const consentPage = flow.html;
    await flow.consent('allow');
    return { callback: oauth.validateAuthResponse(as, tpp.client, flow.callback!, state), verifier, consentPage };
  }

  function redeem(callback: URLSearchParams, verifier: string, handle: oauth.DPoPHandle, extra?: URLSearchParams) {
    return withNonceRetry(() =>
      oauth.authorizationCodeGrantRequest(as, tpp.client, tpp.auth, callback, REDIRECT_URI, verifier, {
        DPoP: handle,
        ...insecure,
        ...(extra ? { additionalParameters: extra } : {}),
      }),
    );
  }

  it('discovery lists authorization_details_types_supported (RFC 9396 §10)', () => {
    expect(as.authorization_details_types_supported).to.deep.equal(['payment_initiation']);
  });

  describe('malformed details are refused with invalid_authorization_details naming the field (RFC 9396 §5)', () => {
    for (const [what, detail, field] of MALFORMED) {
      it(`at PAR: ${what} (${field})`, async () => {
        const { params } = await paymentParams([detail]);
        const res = await push(params);
        expect(res.status).to.equal(400);
        const body = await json(res);
        expect(body.error).to.equal('invalid_authorization_details');
        expect(body.error_description).to.contain(field === 'type' ? 'type' : `authorization_details[0].${field}`);
      });

      it(`in a signed request object (RFC 9101) at PAR: ${what} (${field})`, async () => {
        const { params } = await paymentParams([detail]);
        const request = await oauth.issueRequestObject(as, tpp.client, params, { key: tpp.privateKey, kid: 'tpp-key-1' });
        const res = await push(new URLSearchParams({ request }));
        expect(res.status).to.equal(400);
        const body = await json(res);
        expect(body.error).to.equal('invalid_authorization_details');
        expect(body.error_description).to.contain(field === 'type' ? 'type' : `authorization_details[0].${field}`);
      });
    }

    it('at PAR: two payments in one authorization', async () => {
      const { params } = await paymentParams([PAYMENT, with_({ remittanceInformation: 'Invoice 2026-119' })]);
      const body = await json(await push(params));
      expect(body.error).to.equal('invalid_authorization_details');
      expect(body.error_description).to.contain('one payment_initiation per authorization');
    });

    it('at PAR: details that are not a JSON array', async () => {
      const { params } = await paymentParams([]);
      params.set('authorization_details', '{"type":"payment_initiation"');
      const body = await json(await push(params));
      expect(body.error).to.equal('invalid_authorization_details');
    });

    it('at PAR: a payment for an API that does not take payment_initiation (the registry decides)', async () => {
      const web = await registerClient(srv, {
        name: 'Budget Buddy',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        scope: 'accounts:read',
      });
      const { params } = await paymentParams([PAYMENT]);
      params.set('scope', 'accounts:read');
      params.set('client_id', web.client_id);
      const res = await postForm(`${srv.url}/request`, Object.fromEntries(params), {
        authorization: basic(web.client_id, web.client_secret),
      });
      expect(res.status).to.equal(400);
      const body = await json(res);
      expect(body.error, JSON.stringify(body)).to.equal('invalid_authorization_details');
      expect(body.error_description, JSON.stringify(body)).to.contain('authorization_details[0].type').and.contain('Accounts API');
    });

    it('at the token endpoint of client credentials: no customer approved the payment', async () => {
      const low = await registerClient(srv, { name: 'Rates', grantTypes: ['client_credentials'], scope: 'public:read' });
      const res = await postForm(
        `${srv.url}/token`,
        { grant_type: 'client_credentials', scope: 'public:read', authorization_details: JSON.stringify([PAYMENT]) },
        { authorization: basic(low.client_id, low.client_secret) },
      );
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_authorization_details');
    });
  });

  it('a signed request object at PAR with a valid payment is accepted', async () => {
    const { params } = await paymentParams([PAYMENT]);
    const request = await oauth.issueRequestObject(as, tpp.client, params, { key: tpp.privateKey, kid: 'tpp-key-1' });
    const par = await oauth.processPushedAuthorizationResponse(as, tpp.client, await push(new URLSearchParams({ request })));
    expect(par.request_uri).to.match(/^urn:ietf:params:oauth:request_uri:/);
  });

  it('the approved details come back in the token response (RFC 9396 §7) and introspection, with no refresh token', async () => {
    const handle = await dpop();
    const { callback, verifier, consentPage } = await authorize([PAYMENT], handle);
    expect(consentPage).to.contain('Approve this payment').and.contain('Kahvila Aurinko Oy').and.contain('DE89 3704 0044 0532 0130 00');
    const res = await redeem(callback, verifier, handle);
    const tokens = await oauth.processAuthorizationCodeResponse(as, tpp.client, res);
    expect(tokens.token_type).to.equal('dpop');
    expect(tokens.authorization_details).to.deep.equal([PAYMENT]);
    expect(tokens).not.to.have.property('refresh_token');
    const introspection = await introspect(srv, tpp, tokens.access_token);
    expect(introspection).to.include({ active: true, aud: 'https://api.valtuus.example/payments', token_type: 'DPoP' });
    expect(introspection.authorization_details).to.deep.equal([PAYMENT]);
  });

  it("the consent page shows the payment in the customer's language and number format (ui_locales fi, sv)", async () => {
    const fi = await authorize([PAYMENT], await dpop(), { ui_locales: 'fi' });
    expect(fi.consentPage)
      .to.contain('Hyväksy tämä maksu')
      .and.match(/1\s234,50\s€/u)
      .and.contain('24. joulukuuta 2099');
    const sv = await authorize([PAYMENT], await dpop(), { ui_locales: 'sv' });
    expect(sv.consentPage)
      .to.contain('Godkänn den här betalningen')
      .and.match(/1\s234,50\s€/u)
      .and.contain('24 december 2099');
  });

  it('the token request may repeat the approved details with the resource (RFC 9396 §6.1, RFC 8707 §2.2), but not change them', async () => {
    const handle = await dpop();
    const same = await authorize([PAYMENT], handle);
    const narrowed = await redeem(
      same.callback,
      same.verifier,
      handle,
      new URLSearchParams({ resource: PAYMENTS, authorization_details: JSON.stringify([PAYMENT]) }),
    );
    expect(narrowed.status, await narrowed.clone().text()).to.equal(200);
    expect((await oauth.processAuthorizationCodeResponse(as, tpp.client, narrowed)).authorization_details).to.deep.equal([PAYMENT]);

    const other = await authorize([PAYMENT], handle);
    const changed = with_({ instructedAmount: { currency: 'EUR', amount: '9999.00' } });
    const res = await redeem(
      other.callback,
      other.verifier,
      handle,
      new URLSearchParams({ resource: PAYMENTS, authorization_details: JSON.stringify([changed]) }),
    );
    expect(res.status).to.equal(400);
    const body = await json(res);
    expect(body.error).to.equal('invalid_authorization_details');
    expect(body.error_description).to.contain('authorization_details[0]');
  });
});
