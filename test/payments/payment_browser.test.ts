import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';

import { createSampleApi } from '../../examples/sample_api/app.ts';
import { seedSampleApiClient } from '../../examples/sample_api/seed.ts';
import { submitPayment } from '../../examples/sandbox_payment/submit.ts';
import { createLogger } from '../../server/ops/logger.ts';
import { launchChromium, openPage } from '../support/browser.ts';
import { createCustomer } from '../support/flow.ts';
import { type TestServer, useServerOnRedis } from '../support/server.ts';
import { listen, type Listening } from '../resource_server/support.ts';
import {
  PAYMENT,
  discover,
  insecure,
  introspect,
  paymentParams,
  registerPaymentsTpp,
  withNonceRetry,
  type PaymentsTpp,
} from './support.ts';

const PHONE = { width: 390, height: 844 };
/** Where the phone-width screenshot of the payment consent is left for people to look at. */
export const SCREENSHOT = join(process.env.SCREENSHOT_DIR ?? tmpdir(), 'valtuus-payment-consent.png');

/** The TPP's redirect URI: answers with a plain page, as a real callback would. */
async function startTppCallback(): Promise<{ server: Server; redirectUri: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>TPP</title><p>Back at the TPP</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback` };
}

// the submission a TPP makes for PAYMENT at the sample Service API
const SUBMISSION = {
  amount: PAYMENT.instructedAmount.amount,
  currency: PAYMENT.instructedAmount.currency,
  creditor_name: PAYMENT.creditorName,
  creditor_iban: PAYMENT.creditorAccount.iban,
  debtor_iban: PAYMENT.debtorAccount.iban,
  remittance_information: PAYMENT.remittanceInformation,
};

describe('payments end to end (RFC 9396): oauth4webapi PAR, the customer approving in Chromium, the sample API paying once', function () {
  this.timeout(60_000);
  const fx = useServerOnRedis();
  let srv: TestServer;
  let api: Listening;
  let browser: Browser;
  let tppServer: Server;
  let redirectUri: string;
  let as: oauth.AuthorizationServer;
  let tpp: PaymentsTpp;

  before(async () => {
    ({ srv } = fx);
    ({ server: tppServer, redirectUri } = await startTppCallback());
    as = await discover(srv);
    tpp = await registerPaymentsTpp(srv, redirectUri, 'Pay Later Ltd');
    const introspection = await seedSampleApiClient(srv.clients);
    api = await listen(createSampleApi({ issuer: srv.url, introspection, logger: createLogger('silent') }));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await api?.close();
    await new Promise((resolve) => tppServer?.close(resolve));
  });

  it('a Finnish customer sees the amount and date in Finnish formats (ui_locales=fi)', async () => {
    const { params } = await paymentParams([PAYMENT], redirectUri);
    params.set('ui_locales', 'fi');
    const dpop = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const par = await oauth.processPushedAuthorizationResponse(
      as,
      tpp.client,
      await oauth.pushedAuthorizationRequest(as, tpp.client, tpp.auth, params, { DPoP: dpop, ...insecure }),
    );
    const customer = await createCustomer(srv.deps);
    const { page, context } = await openPage(browser, { viewport: PHONE });
    await page.goto(`${srv.url}/auth?${new URLSearchParams({ client_id: tpp.client.client_id, request_uri: par.request_uri })}`);
    await page.locator('input[name="username"]').fill(customer.username);
    await page.locator('input[name="password"]').fill(customer.password);
    await page.locator('button[type="submit"]').click();
    await page.locator('input[name="otp"]').fill(customer.nextCode());
    await page.locator('button[type="submit"].primary').click(); // the code, not the approval in the app
    await page.getByRole('heading', { name: 'Hyväksy tämä maksu' }).waitFor();
    const text = (await page.locator('section.payment').innerText()).replace(/\s+/g, ' ');
    expect(text).to.contain('1 234,50 €').and.contain('Saaja').and.contain('24. joulukuuta 2099');
    expect(await page.locator('html').getAttribute('lang')).to.equal('fi');
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-fi.png') });
    await context.close();
  });

  it('the customer sees the payment first at phone width, approves it, and the sample API accepts exactly it, once', async () => {
    const dpop = oauth.DPoP(tpp.client, await oauth.generateKeyPair('ES256'));
    const { params, verifier, state } = await paymentParams([PAYMENT], redirectUri);
    const par = await oauth.processPushedAuthorizationResponse(
      as,
      tpp.client,
      await oauth.pushedAuthorizationRequest(as, tpp.client, tpp.auth, params, { DPoP: dpop, ...insecure }),
    );

    const customer = await createCustomer(srv.deps);
    const { page, problems, context } = await openPage(browser, { viewport: PHONE });
    await page.goto(`${srv.url}/auth?${new URLSearchParams({ client_id: tpp.client.client_id, request_uri: par.request_uri })}`);
    await page.getByLabel('Username').fill(customer.username);
    await page.getByLabel('Password').fill(customer.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('One-time code').fill(customer.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Approve this payment' }).waitFor();

    // the first things on the page: the amount, the payee and the accounts, all within the first screen
    const payment = page.locator('section.payment');
    const text = (await payment.innerText()).replace(/\s+/g, ' ');
    expect(text).to.contain('€1,234.50');
    expect(text).to.contain('Kahvila Aurinko Oy').and.contain('DE89 3704 0044 0532 0130 00');
    expect(text).to.contain('FI21 1234 5600 0007 85').and.contain('Invoice 2026-118').and.contain('24 December 2099');
    const firstElements = await page.locator('main > *').evaluateAll((els) => els.slice(0, 2).map((e) => e.tagName + '.' + e.className));
    expect(firstElements).to.deep.equal(['H1.', 'SECTION.payment']);
    const box = (await payment.boundingBox())!;
    expect(box.y + box.height, 'the payment fits on the first screen').to.be.at.most(PHONE.height);
    expect(box.width, 'no sideways scrolling').to.be.at.most(PHONE.width);
    expect(await payment.evaluate((e) => e.scrollWidth <= e.clientWidth), 'nothing runs over the edge').to.equal(true);
    await page.screenshot({ path: SCREENSHOT });

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}?**`);
    const callback = oauth.validateAuthResponse(as, tpp.client, new URL(page.url()), state);
    expect(problems).to.deep.equal([]);
    await context.close();

    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      tpp.client,
      await withNonceRetry(() =>
        oauth.authorizationCodeGrantRequest(as, tpp.client, tpp.auth, callback, redirectUri, verifier, { DPoP: dpop, ...insecure }),
      ),
    );
    expect(tokens.authorization_details).to.deep.equal([PAYMENT]);
    expect(tokens).not.to.have.property('refresh_token');
    expect((await introspect(srv, tpp, tokens.access_token)).authorization_details).to.deep.equal([PAYMENT]);

    const submit = (body: object) => submitPayment(tokens.access_token, api.url, dpop, body);
    const changed = await submit({ ...SUBMISSION, amount: '1234.51' });
    expect(changed.status).to.equal(403);
    expect(await changed.json())
      .to.include({ error: 'insufficient_scope' })
      .and.have.property('error_description')
      .that.contains('amount');

    const paid = await submit(SUBMISSION);
    expect(paid.status).to.equal(201);
    expect(await paid.json()).to.include({ status: 'accepted', amount: '1234.50', creditor_iban: PAYMENT.creditorAccount.iban });

    const again = await submit(SUBMISSION);
    expect(again.status).to.equal(401);
    expect(await again.json()).to.include({ error: 'invalid_token' });
  });
});
