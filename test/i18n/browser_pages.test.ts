import { mkdirSync } from 'node:fs';

import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { expectNoAxeViolations } from '../support/axe.ts';
import { launchChromium } from '../support/browser.ts';
import { accountsParams, REDIRECT_URI, registerWebClient, startFlowServer } from '../support/code_grant.ts';
import { createCustomer, pkce, type TestCustomer } from '../support/flow.ts';
import type { RegisteredClient, TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const LOCALES = ['fi', 'sv', 'en'] as const;
type Locale = (typeof LOCALES)[number];

const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };
// SCREENSHOTS=dir saves each page at phone and desktop width, to look at (README "Languages")
const SHOTS = process.env.SCREENSHOTS;

const TEXT = {
  fi: { username: 'Käyttäjätunnus', password: 'Salasana', login: 'Jatka', code: 'Kertakäyttökoodi', verify: 'Vahvista', error: 'Virhe: ' },
  sv: { username: 'Användarnamn', password: 'Lösenord', login: 'Fortsätt', code: 'Engångskod', verify: 'Bekräfta', error: 'Fel: ' },
  en: {
    username: 'Username',
    password: 'Password',
    login: 'Continue',
    code: 'One-time code',
    verify: 'Verify',
    error: 'There is a problem: ',
  },
} as const;

describe('pages in a real browser, in every language: axe-core finds no WCAG 2.2 A/AA violation', function () {
  this.timeout(120_000);

  let store: TestRedisStore;
  let srv: TestServer;
  let browser: Browser;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startFlowServer(store, { LOCKOUT_MAX_FAILURES: '3' });
    tpp = await registerWebClient(srv);
    browser = await launchChromium();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
    await store?.close();
  });

  function authorizationUrl(locale: Locale, params: Record<string, string> = {}): string {
    const query = new URLSearchParams({
      ...accountsParams(tpp),
      response_type: 'code',
      state: 'browser-state',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      ui_locales: locale,
      ...params,
    });
    return `${srv.url}/auth?${query}`;
  }

  /** A fresh browser profile whose context takes axe-core's script (CSP bypassed for it), with the TPP's callback answered. */
  async function open(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ bypassCSP: true, viewport: VIEWPORTS.desktop });
    await context.route(`${REDIRECT_URI}**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>TPP</title>' }),
    );
    return { context, page: await context.newPage() };
  }

  /** The checks every page gets: its language, no axe violation, and (when asked) screenshots at both widths. */
  async function check(page: Page, name: string, locale: Locale): Promise<void> {
    expect(await page.getAttribute('html', 'lang'), name).to.equal(locale);
    await expectNoAxeViolations(page, `${name} (${locale})`);
    if (!SHOTS) return;
    for (const [width, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: `${SHOTS}/${name}-${locale}-${width}.png`, fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS.desktop);
  }

  async function expectFormError(page: Page, locale: Locale, field: string, name: string): Promise<void> {
    expect(await page.title(), name).to.match(new RegExp(`^${TEXT[locale].error}`));
    // autofocus is applied once the document has loaded
    await page.waitForFunction("document.activeElement?.id === 'error-summary'", undefined, { timeout: 5000 });
    const input = page.locator(`#${field}`);
    expect(await input.getAttribute('aria-invalid')).to.equal('true');
    const describedBy = (await input.getAttribute('aria-describedby'))!.split(' ');
    const message = await page.locator(`#${describedBy[0]}`).textContent();
    expect(message, name).to.have.length.greaterThan(10);
  }

  it('Accept-Language alone (the browser’s own language, no ui_locales) gives the login page in it', async () => {
    for (const locale of LOCALES) {
      const context = await browser.newContext({ locale: locale === 'en' ? 'en-GB' : `${locale}-FI` });
      const page = await context.newPage();
      const url = new URL(authorizationUrl(locale));
      url.searchParams.delete('ui_locales');
      await page.goto(url.href);
      expect(await page.getAttribute('html', 'lang')).to.equal(locale);
      await page.getByLabel(TEXT[locale].username).waitFor();
      await context.close();
    }
  });

  for (const locale of LOCALES) {
    describe(`ui_locales=${locale}`, () => {
      let customer: TestCustomer;

      before(async () => {
        customer = await createCustomer(srv.deps);
      });

      it('login, login with an error, code, code with an error, consent: each clean; a code typed as "123 456" works', async () => {
        const { context, page } = await open();
        const t = TEXT[locale];
        await page.goto(authorizationUrl(locale));
        await check(page, 'login', locale);

        await page.getByLabel(t.username).fill(customer.username);
        await page.getByLabel(t.password).fill('not-the-password');
        await page.getByRole('button', { name: t.login }).click();
        await page.locator('#error-summary').waitFor();
        await expectFormError(page, locale, 'password', 'login with an error');
        await check(page, 'login-error', locale);

        await page.getByLabel(t.password).fill(customer.password);
        await page.getByRole('button', { name: t.login }).click();
        await page.getByLabel(t.code).waitFor();
        await check(page, 'code', locale);

        await page.getByLabel(t.code).fill('000 000');
        await page.getByRole('button', { name: t.verify }).click();
        await page.locator('#error-summary').waitFor();
        await expectFormError(page, locale, 'otp', 'code with an error');
        await check(page, 'code-error', locale);

        const code = customer.nextCode();
        await page.getByLabel(t.code).fill(`${code.slice(0, 3)} ${code.slice(3)}`);
        expect(await page.getByLabel(t.code).inputValue()).to.equal(`${code.slice(0, 3)} ${code.slice(3)}`);
        await page.getByRole('button', { name: t.verify }).click();
        await page.locator('button[name="decision"][value="allow"]').waitFor();
        await check(page, 'consent', locale);
        await page.locator('button[name="decision"][value="allow"]').click();
        await page.waitForURL(`${REDIRECT_URI}?**`);
        expect(new URL(page.url()).searchParams.get('code')).to.be.a('string');
        await context.close();
      });

      it('the form_post response page (its script held back, as without JavaScript) is clean, and its button posts the code', async () => {
        const { context, page } = await open();
        await context.route('**/assets/form_post.js', (route) => route.abort());
        const t = TEXT[locale];
        const other = await createCustomer(srv.deps);
        await page.goto(authorizationUrl(locale, { response_mode: 'form_post' }));
        await page.getByLabel(t.username).fill(other.username);
        await page.getByLabel(t.password).fill(other.password);
        await page.getByRole('button', { name: t.login }).click();
        await page.getByLabel(t.code).fill(other.nextCode());
        await page.getByRole('button', { name: t.verify }).click();
        await page.locator('button[name="decision"][value="allow"]').click();
        await page.locator('input[name="code"]').waitFor({ state: 'attached' });
        await check(page, 'form-post', locale);
        const box = (await page.locator('form button').boundingBox())!;
        expect(box.height).to.be.at.least(44); // WCAG 2.2 §2.5.8, and a thumb's width on a phone
        const posted = page.waitForRequest((req) => req.url() === REDIRECT_URI && req.method() === 'POST');
        await page.locator('form button').click();
        expect(new URLSearchParams((await posted).postData() ?? '').get('code')).to.be.a('string');
        await context.close();
      });

      it('a lock at the code step shows the lock page with the policy; the error page for an unknown app is clean', async () => {
        const { context, page } = await open();
        const t = TEXT[locale];
        const victim = await createCustomer(srv.deps);
        await page.goto(authorizationUrl(locale));
        await page.getByLabel(t.username).fill(victim.username);
        await page.getByLabel(t.password).fill(victim.password);
        await page.getByRole('button', { name: t.login }).click();
        for (let i = 0; i < 3; i += 1) {
          await page.getByLabel(t.code).fill('000000');
          await page.getByRole('button', { name: t.verify }).click();
          await page.locator('#error-summary').waitFor();
        }
        expect(await page.locator('#error-summary h1').textContent()).to.have.length.greaterThan(5);
        expect(await page.locator('#error-summary p').textContent()).to.include('3');
        await page.waitForFunction("document.activeElement?.id === 'error-summary'", undefined, { timeout: 5000 });
        await check(page, 'locked', locale);

        await page.goto(authorizationUrl(locale, { client_id: 'no-such-app' }));
        await check(page, 'error-unknown-app', locale);
        expect(await page.locator('.hint').textContent()).to.match(/[\w-]{36}/); // the request id as the reference
        await context.close();
      });
    });
  }
});
