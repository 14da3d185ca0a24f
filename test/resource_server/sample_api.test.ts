import type { AuthorizationDetail } from 'oidc-provider';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';
import * as oauth from 'oauth4webapi';

import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { REDIRECT_URI, redeemCode } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { json, registerClient, type TestServer } from '../support/server.ts';
import { createLogger } from '../../server/ops/logger.ts';
import { createSampleApi } from '../../examples/sample_api/app.ts';
import { sandboxBanner, seedSandbox } from '../../server/sandbox.ts';
import { readSampleApiConfig } from '../../examples/sample_api/main.ts';
import { seedSampleApiClient } from '../../examples/sample_api/seed.ts';
import {
  RESOURCE,
  ath,
  challenges,
  clientCredentialsToken,
  deadUrl,
  dpopKey,
  expectRefusal,
  listen,
  mintCustomerToken,
  proof,
  registerCustomerApp,
  registerTpp,
  startAuthorizationServer,
  type Credentials,
  type DpopKey,
  type Listening,
  type TokenFormat,
} from './support.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ENTRY = fileURLToPath(new URL('../../examples/sample_api/main.ts', import.meta.url));

/** The entry point as npm run start:api runs it (from source: type stripping spares the build). */
function spawnSampleApi(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function runSampleApi(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawnSampleApi(env);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

async function waitForHealth(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer`);
}

const PAYMENT = { amount: '12.50', currency: 'EUR', creditor_name: 'Kahvila Oy', creditor_iban: 'FI2112345600000785' };
// the payment_initiation the customer approved for PAYMENT (RFC 9396 §2)
const APPROVED = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '12.50' },
  creditorName: 'Kahvila Oy',
  creditorAccount: { iban: 'FI2112345600000785' },
  remittanceInformation: 'Lunch',
};

for (const format of ['opaque', 'jwt'] as TokenFormat[]) {
  describe(`sample Service API with ${format} tokens (npm run start:api)`, () => {
    let store: TestRedisStore;
    let srv: TestServer;
    let api: Listening;
    let key: DpopKey;
    let customerApp: Credentials;
    let payApp: Credentials;

    before(async () => {
      store = await openTestRedisStore();
      srv = await startAuthorizationServer(store, format);
      const introspection = await seedSampleApiClient(srv.clients);
      api = await listen(createSampleApi({ issuer: srv.url, introspection, logger: createLogger('silent') }));
      key = await dpopKey();
      customerApp = await registerCustomerApp(srv, 'accounts:read accounts:write');
      payApp = await registerCustomerApp(srv, 'payments:write');
    });

    after(async () => {
      await api?.close();
      await srv?.close();
      await store?.close();
    });

    const accountsToken = (accountId: string, scope = 'accounts:read') =>
      mintCustomerToken(srv, { tpp: customerApp, accountId, resource: RESOURCE.accounts, scope });
    const paymentsToken = (jkt?: string, rar: AuthorizationDetail[] | null = [APPROVED]) =>
      mintCustomerToken(srv, {
        tpp: payApp,
        accountId: 'cust-pay',
        resource: RESOURCE.payments,
        scope: 'payments:write',
        ...(jkt ? { jkt } : {}),
        ...(rar ? { rar } : {}),
      });
    const postPayment = async (token: string, body: unknown, headers: Record<string, string> = {}) => {
      const dpop = await proof(key, { htm: 'POST', htu: `${api.url}/payments`, ath: ath(token) });
      return fetch(`${api.url}/payments`, {
        method: 'POST',
        headers: { authorization: `DPoP ${token}`, dpop, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    };

    describe('GET /public/rates (public:read)', () => {
      it('answers 200 with the rates to a client credentials token', async () => {
        const tpp = await registerTpp(srv);
        const res = await fetch(`${api.url}/public/rates`, { headers: bearer(await clientCredentialsToken(srv, tpp)) });
        expect(res.status).to.equal(200);
        const body = await json(res);
        expect(body.base).to.equal('EUR');
        expect(body.rates.USD).to.be.a('number');
      });

      it('answers 200 to a DPoP-bound client credentials token with its proof', async () => {
        const token = await clientCredentialsToken(srv, await registerTpp(srv), key.handle);
        const res = await oauth.protectedResourceRequest(token, 'GET', new URL(`${api.url}/public/rates`), new Headers(), null, {
          DPoP: key.handle,
          [oauth.allowInsecureRequests]: true,
        });
        expect(res.status).to.equal(200);
      });

      it('answers 401 with the challenges and no error code without a token', async () => {
        const res = await fetch(`${api.url}/public/rates`);
        expect(res.status).to.equal(401);
        expect([...challenges(res).keys()]).to.deep.equal(['Bearer', 'DPoP']);
      });

      it('answers 405 with Allow to another method', async () => {
        const res = await fetch(`${api.url}/public/rates`, { method: 'DELETE' });
        expect(res.status).to.equal(405);
        expect(res.headers.get('allow')).to.equal('GET');
      });
    });

    describe('GET /accounts (accounts:read)', () => {
      it("answers 200 with the customer's demo accounts, keyed by sub", async () => {
        const res = await fetch(`${api.url}/accounts`, { headers: bearer(await accountsToken('cust-1')) });
        expect(res.status).to.equal(200);
        expect(res.headers.get('cache-control')).to.equal('no-store');
        const { accounts } = await json(res);
        expect(accounts).to.have.length(2);
        expect(accounts[0].iban).to.match(/^FI\d{16}$/);
        const again = await json(await fetch(`${api.url}/accounts`, { headers: bearer(await accountsToken('cust-1')) }));
        expect(again.accounts).to.deep.equal(accounts);
        const other = await json(await fetch(`${api.url}/accounts`, { headers: bearer(await accountsToken('cust-2')) }));
        expect(other.accounts[0].iban).not.to.equal(accounts[0].iban);
      });

      it('answers 200 to the token a customer got by logging in and consenting (authorization code, SCA)', async () => {
        const web = await registerClient(srv, {
          name: 'Budget Buddy',
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT_URI],
          scope: 'accounts:read',
        });
        const customer = await createCustomer(srv.deps);
        const flow = await authorize(srv.url, { client_id: web.client_id, redirect_uri: REDIRECT_URI, scope: 'accounts:read' }, customer);
        const { access_token } = await json(await redeemCode(srv, web, flow));
        const res = await fetch(`${api.url}/accounts`, { headers: bearer(access_token) });
        expect(res.status).to.equal(200);
        expect((await json(res)).accounts).to.deep.equal(
          (await json(await fetch(`${api.url}/accounts`, { headers: bearer(await accountsToken(customer.sub)) }))).accounts,
        );
      });

      it('answers 401 invalid_token to a token of another API', async () => {
        const token = await clientCredentialsToken(srv, await registerTpp(srv));
        await expectRefusal(await fetch(`${api.url}/accounts`, { headers: bearer(token) }), 401, 'Bearer', 'invalid_token');
      });

      it('answers 403 insufficient_scope with scope="accounts:read" to an accounts:write token', async () => {
        const res = await fetch(`${api.url}/accounts`, { headers: bearer(await accountsToken('cust-1', 'accounts:write')) });
        expect((await expectRefusal(res, 403, 'Bearer', 'insufficient_scope')).scope).to.equal('accounts:read');
      });
    });

    describe('POST /payments (payments:write, DPoP-bound only)', () => {
      it('answers 201 with a payment id to a DPoP-bound token and its proof', async () => {
        const res = await postPayment(await paymentsToken(key.jkt), PAYMENT);
        expect(res.status, await res.clone().text()).to.equal(201);
        const payment = await json(res);
        expect(payment.payment_id).to.match(/^[0-9a-f-]{36}$/);
        expect(payment).to.include({ status: 'accepted', debtor: 'cust-pay', initiated_by: payApp.clientId, amount: '12.50' });
        expect(res.headers.get('location')).to.equal(`/payments/${payment.payment_id}`);
      });

      it('answers 201 to a standard client (oauth4webapi) too', async () => {
        const res = await oauth.protectedResourceRequest(
          await paymentsToken(key.jkt),
          'POST',
          new URL(`${api.url}/payments`),
          new Headers({ 'content-type': 'application/json' }),
          JSON.stringify(PAYMENT),
          { DPoP: key.handle, [oauth.allowInsecureRequests]: true },
        );
        expect(res.status).to.equal(201);
      });

      it('answers 401 with a DPoP challenge to the bound token sent as Bearer', async () => {
        const token = await paymentsToken(key.jkt);
        const res = await postPayment(token, PAYMENT, bearer(token));
        await expectRefusal(res, 401, 'DPoP', 'invalid_token');
      });

      it('answers 401 to a payments token that is not DPoP-bound', async () => {
        const token = await paymentsToken();
        const res = await fetch(`${api.url}/payments`, {
          method: 'POST',
          headers: { ...bearer(token), 'content-type': 'application/json' },
          body: JSON.stringify(PAYMENT),
        });
        await expectRefusal(res, 401, 'DPoP', 'invalid_token');
      });

      it('answers 401 invalid_dpop_proof to a replayed proof', async () => {
        const token = await paymentsToken(key.jkt);
        const dpop = await proof(key, { htm: 'POST', htu: `${api.url}/payments`, ath: ath(token) });
        const send = () =>
          fetch(`${api.url}/payments`, {
            method: 'POST',
            headers: { authorization: `DPoP ${token}`, dpop, 'content-type': 'application/json' },
            body: JSON.stringify(PAYMENT),
          });
        expect((await send()).status).to.equal(201);
        await expectRefusal(await send(), 401, 'DPoP', 'invalid_dpop_proof');
      });

      it('accepts the approved payment once; a second submission is 401 invalid_token (one payment per authorization)', async () => {
        const token = await paymentsToken(key.jkt);
        expect((await postPayment(token, PAYMENT)).status).to.equal(201);
        const body = await expectRefusal(await postPayment(token, PAYMENT), 401, 'DPoP', 'invalid_token');
        expect(body.error_description).to.contain('has been used');
      });

      it('of concurrent submissions with one payment token, exactly one is accepted', async () => {
        const token = await paymentsToken(key.jkt);
        const statuses = await Promise.all(Array.from({ length: 6 }, async () => (await postPayment(token, PAYMENT)).status));
        expect(statuses.filter((s) => s === 201)).to.have.length(1);
        expect(statuses.filter((s) => s === 401)).to.have.length(5);
      });

      it('answers 403 insufficient_scope naming each field that differs from the approved payment (dynamic linking)', async () => {
        const token = await paymentsToken(key.jkt);
        const changed = { ...PAYMENT, amount: '12.51', creditor_iban: 'DE89370400440532013000' };
        const body = await expectRefusal(await postPayment(token, changed), 403, 'DPoP', 'insufficient_scope');
        expect(body.error_description).to.contain('amount').and.contain('creditor_iban').and.not.contain('currency');
        const withDebtor = await expectRefusal(
          await postPayment(token, { ...PAYMENT, debtor_iban: 'DE89370400440532013000' }),
          403,
          'DPoP',
          'insufficient_scope',
        );
        expect(withDebtor.error_description).to.contain('debtor_iban');
        expect((await postPayment(token, PAYMENT)).status, 'a refused submission does not spend the authorization').to.equal(201);
      });

      it('answers 403 insufficient_scope to a payments token without authorization details', async () => {
        const body = await expectRefusal(await postPayment(await paymentsToken(key.jkt, null), PAYMENT), 403, 'DPoP', 'insufficient_scope');
        expect(body.error_description).to.contain('payment_initiation');
      });

      it('answers 400 invalid_request naming each bad field', async () => {
        const res = await postPayment(await paymentsToken(key.jkt), {
          ...PAYMENT,
          amount: '-1',
          creditor_iban: 'FI0012345600000785',
          extra: 1,
        });
        expect(res.status).to.equal(400);
        const body = await json(res);
        expect(body.error).to.equal('invalid_request');
        expect(body.error_description).to.contain('amount').and.contain('creditor_iban').and.contain('extra');
      });

      it('answers 415 to a body that is not JSON and 400 to broken JSON', async () => {
        expect(
          (await postPayment(await paymentsToken(key.jkt), 'amount=1', { 'content-type': 'application/x-www-form-urlencoded' })).status,
        ).to.equal(415);
        expect((await postPayment(await paymentsToken(key.jkt), '{"amount":')).status).to.equal(400);
      });

      it('checks the token before reading the body: 401 even for a bad body without a token', async () => {
        const res = await fetch(`${api.url}/payments`, { method: 'POST', body: 'not json' });
        expect(res.status).to.equal(401);
      });
    });

    it('answers 404 in JSON elsewhere', async () => {
      const res = await fetch(`${api.url}/nowhere`);
      expect(res.status).to.equal(404);
      expect(await json(res)).to.have.property('error', 'not_found');
    });
  });
}

describe('sample Service API process (npm run start:api)', () => {
  it('reads PORT, ISSUER, API_CLIENT_ID, API_CLIENT_SECRET and PUBLIC_URL, with defaults for the first two', () => {
    expect(readSampleApiConfig({ API_CLIENT_ID: 'id', API_CLIENT_SECRET: 'secret' })).to.deep.include({
      port: 4000,
      issuer: 'http://localhost:3000',
      clientId: 'id',
      clientSecret: 'secret',
      origin: undefined,
    });
    const config = readSampleApiConfig({
      PORT: '4100',
      ISSUER: 'https://as.example/',
      PUBLIC_URL: 'https://api.example/base',
      API_CLIENT_ID: 'id',
      API_CLIENT_SECRET: 's',
    });
    expect(config).to.include({ port: 4100, issuer: 'https://as.example', origin: 'https://api.example' });
  });

  it('names every bad variable at once', () => {
    expect(() => readSampleApiConfig({ PORT: 'eighty', ISSUER: 'ftp://x' }))
      .to.throw(/PORT/)
      .with.property('message')
      .that.contains('ISSUER')
      .and.contains('API_CLIENT_ID')
      .and.contains('API_CLIENT_SECRET');
  });

  it('exits 1 with one message when API_CLIENT_ID and API_CLIENT_SECRET are missing', async () => {
    const { code, stderr } = await runSampleApi({ PORT: '0' });
    expect(code).to.equal(1);
    expect(stderr)
      .to.contain('API_CLIENT_ID')
      .and.contain('API_CLIENT_SECRET')
      .and.not.match(/\bat .*:\d+:\d+/);
  });

  describe('against a running authorization server', () => {
    let store: TestRedisStore;
    let srv: TestServer;

    before(async () => {
      store = await openTestRedisStore();
      srv = await startAuthorizationServer(store, 'opaque');
    });

    after(async () => {
      await srv?.close();
      await store?.close();
    });

    it('starts with the client the sandbox seeds and prints, and answers GET /public/rates', async () => {
      const { api: creds } = await seedSandbox(srv.clients);
      const banner = sandboxBanner(srv.config, { clientId: 'demo-tpp', clientSecret: 'x', api: creds! });
      expect(banner).to.contain(`API_CLIENT_ID=${creds!.clientId} API_CLIENT_SECRET=${creds!.clientSecret} npm run start:api`);
      const port = new URL(await deadUrl()).port;
      const child = spawnSampleApi({ PORT: port, ISSUER: srv.url, API_CLIENT_ID: creds!.clientId, API_CLIENT_SECRET: creds!.clientSecret });
      try {
        await waitForHealth(`http://127.0.0.1:${port}/healthz`);
        const token = await clientCredentialsToken(srv, await registerTpp(srv));
        const res = await fetch(`http://127.0.0.1:${port}/public/rates`, { headers: bearer(token) });
        expect(res.status).to.equal(200);
        expect((await fetch(`http://127.0.0.1:${port}/public/rates`)).status).to.equal(401);
      } finally {
        child.kill('SIGTERM');
      }
    });
  });
});
