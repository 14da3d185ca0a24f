import { expect } from 'chai';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';

import { launchChromium, openPage, type WatchedPage } from '../support/browser.ts';
import { createCustomer, type TestCustomer } from '../support/flow.ts';
import type { RegisteredClient, TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { registerCibaClient, startCibaServer } from './support.ts';

const PHONE = { width: 390, height: 844 };

describe('end to end: openid-client CIBA polling while the customer answers on /approve in headless Chromium', function () {
  this.timeout(60_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let browser: Browser;
  let registered: RegisteredClient;
  let config: client.Configuration;
  let customer: TestCustomer;
  let watched: WatchedPage;
  /** raw token endpoint bodies by auth_req_id, before openid-client interprets them */
  const raw = new Map<string, Record<string, unknown>[]>();
  const waiters: { id: string; resolve: () => void }[] = [];

  /** Resolves once the token endpoint has answered this request at least once. */
  function firstPoll(id: string): Promise<void> {
    if (raw.get(id)?.length) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ id, resolve }));
  }

  before(async () => {
    store = await openTestRedisStore();
    srv = await startCibaServer(store);
    registered = await registerCibaClient(srv, { name: 'Kassa Kiosk' });
    customer = await createCustomer(srv.deps);
    config = await client.discovery(new URL(srv.url), registered.client_id, undefined, client.ClientSecretBasic(registered.client_secret), {
      execute: [client.allowInsecureRequests],
    });
    config[client.customFetch] = async (url, options) => {
      const res = await fetch(url, options as RequestInit);
      if (new URL(url).pathname !== '/token') return res;
      const body = (await res.clone().json()) as Record<string, unknown>;
      const id = new URLSearchParams(String(options.body)).get('auth_req_id')!;
      raw.set(id, [...(raw.get(id) ?? []), body]);
      for (const w of waiters.filter((x) => x.id === id)) w.resolve();
      return res;
    };
    browser = await launchChromium();
    watched = await openPage(browser, { viewport: PHONE });
    const { page } = watched;
    await page.goto(`${srv.url}/approve`);
    await page.getByLabel('Username').fill(customer.username);
    await page.getByLabel('Password').fill(customer.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('One-time code').fill(customer.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Requests waiting for you' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await srv.close();
    await store.close();
  });

  async function initiate(params: Record<string, string>) {
    return client.initiateBackchannelAuthentication(config, { scope: 'openid accounts:read', login_hint: customer.username, ...params });
  }

  /** The page shows a new request by itself (it refreshes where JavaScript runs); the answer is given in its own form. */
  async function answer(bindingMessage: string, button: 'Approve' | 'Deny'): Promise<void> {
    const section = watched.page.locator('section.request', { hasText: bindingMessage });
    await section.waitFor({ timeout: 20_000 });
    expect(await section.getByRole('heading', { name: 'Kassa Kiosk' }).isVisible()).to.equal(true);
    expect(await section.getByText('See your accounts, balances and transactions').isVisible()).to.equal(true);
    await section.getByRole('button', { name: button }).click();
    await watched.page.getByText(button === 'Approve' ? 'Approved.' : 'Denied.').waitFor();
  }

  it('Approve: polling gets tokens with status approved; the polls before it were authorization_pending with status pending', async () => {
    const started = await initiate({ binding_message: 'KASSA-1' });
    const tokens = client.pollBackchannelAuthenticationGrant(config, started);
    await firstPoll(started.auth_req_id);
    await answer('KASSA-1', 'Approve');
    const result = await tokens;
    expect(result.access_token).to.be.a('string');
    expect(result.claims()?.sub).to.equal(customer.sub);
    expect(result.claims()?.amr).to.deep.equal(['pwd', 'otp']);
    const bodies = raw.get(started.auth_req_id)!;
    expect(bodies.at(-1)).to.include({ status: 'approved', refresh_count: 0 });
    for (const waiting of bodies.slice(0, -1)) expect(waiting).to.include({ error: 'authorization_pending', status: 'pending' });
    expect(watched.problems).to.deep.equal([]);
  });

  it('Deny: polling ends with access_denied and status rejected', async () => {
    const started = await initiate({ binding_message: 'KASSA-2' });
    const tokens = client.pollBackchannelAuthenticationGrant(config, started).catch((err: unknown) => err);
    await firstPoll(started.auth_req_id);
    await answer('KASSA-2', 'Deny');
    expect(await tokens)
      .to.be.instanceOf(client.ResponseBodyError)
      .and.to.include({ error: 'access_denied' });
    expect(raw.get(started.auth_req_id)!.at(-1)).to.include({ error: 'access_denied', status: 'rejected' });
  });

  it('no answer before requested_expiry: polling ends with expired_token and status expired', async () => {
    const started = await initiate({ binding_message: 'KASSA-3', requested_expiry: '2' });
    const signal = AbortSignal.timeout(20_000); // openid-client's own deadline is the expiry itself
    const outcome = await client.pollBackchannelAuthenticationGrant(config, started, undefined, { signal }).catch((err: unknown) => err);
    expect(outcome).to.be.instanceOf(client.ResponseBodyError).and.to.include({ error: 'expired_token' });
    expect(raw.get(started.auth_req_id)!.at(-1)).to.include({ error: 'expired_token', status: 'expired' });
  });
});
