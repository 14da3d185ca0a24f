import { mkdirSync } from 'node:fs';

import { expect } from 'chai';
import type { Browser } from 'playwright-core';

import { createRedisStore } from '../../adapters/redis.ts';
import { expectNoAxeViolations } from '../support/axe.ts';
import { launchChromium } from '../support/browser.ts';
import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { openTestRedis, type TestRedis } from '../support/redis.ts';
import { basic, json, postForm, startTestServer, type Json, type RegisteredClient } from '../support/server.ts';
import { RoutingAgent, startInstances, type Instance } from '../scale/instances.ts';

const SHOTS = process.env.SCREENSHOTS;
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };

function post(instance: Instance, client: RegisteredClient, path: string, form: Record<string, string>): Promise<Response> {
  return postForm(`${instance.url}${path}`, form, { authorization: basic(client.client_id, client.client_secret) });
}

describe('/account/apps: the customer sees and withdraws an app’s access, at once on every process (RFC 7009 §2, RFC 7662 §2.2)', function () {
  this.timeout(120_000);

  let redis: TestRedis;
  let a: Instance;
  let b: Instance;
  let web: RegisteredClient;
  let customer: TestCustomer;
  let browser: Browser;

  before(async () => {
    redis = await openTestRedis();
    const store = createRedisStore({ url: redis.url, keyPrefix: redis.prefix });
    const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: redis.prefix });
    try {
      web = await registerWebClient(seeder);
      customer = await createCustomer({ config: seeder.config, store });
    } finally {
      await seeder.close();
      await store.close();
    }
    [a, b] = (await startInstances(2, { redisUrl: redis.url, redisKeyPrefix: redis.prefix })) as [Instance, Instance];
    browser = await launchChromium();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.cleanup();
  });

  it('lists the app with its API, scopes and dates behind password and code; Withdraw makes its refresh token invalid_grant and its access token inactive on both processes', async () => {
    const flow = await Flow.start(a.url, accountsParams(web, 'openid accounts:read'), new RoutingAgent(a));
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    await flow.consent('allow');
    const tokenRes = await post(a, web, '/token', {
      grant_type: 'authorization_code',
      code: flow.code(),
      redirect_uri: flow.params.redirect_uri,
      code_verifier: flow.pkce.verifier,
    });
    const tokens = (await json(tokenRes)) as Json;
    expect(tokenRes.status).to.equal(200);

    const context = await browser.newContext({ bypassCSP: true, viewport: VIEWPORTS.desktop });
    const page = await context.newPage();
    const shoot = async (name: string, locale: string) => {
      await expectNoAxeViolations(page, `${name} (${locale})`);
      if (!SHOTS) return;
      for (const [width, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        await page.screenshot({ path: `${SHOTS}/${name}-${locale}-${width}.png`, fullPage: true });
      }
      await page.setViewportSize(VIEWPORTS.desktop);
    };
    await page.goto(`${b.url}/account/apps?lang=en`);
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    await shoot('apps-login', 'en');
    await page.getByLabel('Username').fill(customer.username);
    await page.getByLabel('Password').fill(customer.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('One-time code').fill(customer.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByRole('heading', { name: 'Budget Buddy' }).waitFor();
    const entry = page.locator('section.app');
    expect(await entry.count()).to.equal(1);
    expect(await entry.textContent())
      .to.include('Accounts')
      .and.include('See your accounts, balances and transactions');
    expect(await entry.locator('dd').count()).to.equal(3); // since, until, last used
    expect(await entry.locator('dd').nth(2).textContent()).not.to.equal('Not used yet'); // the code exchange above
    const button = entry.locator('button[name="withdraw"]');
    expect(await button.getAttribute('value')).to.equal(web.client_id);
    for (const locale of ['fi', 'sv', 'en']) {
      await page.goto(`${b.url}/account/apps?lang=${locale}`);
      expect(await page.getAttribute('html', 'lang')).to.equal(locale);
      await shoot('apps', locale);
    }

    await page.locator('button[name="withdraw"]').click();
    await page.locator('#notice').waitFor();
    expect(await page.locator('#notice').textContent()).to.include('Budget Buddy');
    expect(await page.locator('section.app').count()).to.equal(0);
    await shoot('apps-withdrawn', 'en');
    await context.close();

    const refreshed = await post(a, web, '/token', { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
    expect(refreshed.status).to.equal(400);
    expect(((await json(refreshed)) as Json).error).to.equal('invalid_grant');
    for (const instance of [a, b]) {
      const res = await post(instance, web, '/token/introspection', { token: String(tokens.access_token) });
      expect(await json(res)).to.deep.equal({ active: false });
    }
  });

  it('a POST without the page’s form token withdraws nothing (403)', async () => {
    const res = await fetch(`${a.url}/account/apps/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ withdraw: web.client_id, csrf: 'forged' }),
    });
    expect(res.status).to.equal(403);
  });
});
