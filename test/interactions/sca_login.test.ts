import { expect } from 'chai';

import { currentTotp } from '../../server/accounts/totp.ts';
import { sampleBranding } from '../../config/branding.ts';
import { translate } from '../../server/pages/i18n/catalogue.ts';
import { SCA_ACR } from '../../server/accounts/sca.ts';
import { accountsParams, REDIRECT_URI, registerWebClient } from '../support/code_grant.ts';
import { Agent, createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { useServerOnRedis, type RegisteredClient, type TestServer } from '../support/server.ts';
import type { TestRedisStore } from '../support/stores.ts';

const MAX_FAILURES = 3;
const LOGIN_FAILED = translate('en', 'login.failed', { phone: sampleBranding.supportPhone.replace(/ /g, '\u00a0') });

/** The error summary's message (WCAG 2.2 §3.3.1), linked from the fields by aria-describedby. */
function alertOf(flow: Flow): string | undefined {
  return /<p id="(?:login|otp)-error">([^<]*)<\/p>/.exec(flow.html)?.[1];
}

function onPasswordPage(flow: Flow): boolean {
  return flow.html.includes('autocomplete="current-password"');
}

function onCodePage(flow: Flow): boolean {
  return flow.html.includes('autocomplete="one-time-code"');
}

describe('interaction: strong customer authentication, password then one-time code (PSD2 SCA)', () => {
  // this file fails on purpose many times from one address: the per-address budget is tested on its own below
  const fx = useServerOnRedis({
    LOCKOUT_MAX_FAILURES: String(MAX_FAILURES),
    LOCKOUT_SECONDS: '600',
    RATE_LIMIT_ADDRESS_LOGIN_FAILURES: '1000',
    TRUST_PROXY: '127.0.0.1', // the test's agents play a proxy's clients
  });
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;
  let customer: TestCustomer;

  before(async () => {
    ({ store, srv } = fx);
    tpp = await registerWebClient(srv);
    customer = await createCustomer(srv.deps);
  });

  const start = (agent?: Agent, extra: Record<string, string> = {}) => Flow.start(srv.url, { ...accountsParams(tpp), ...extra }, agent);
  const passwordKey = (sub: string, source: string) => `${store.prefix}LoginGuard:{${sub}}:password:${source}`;

  describe('GET /interaction/:uid and POST …/login, …/otp', () => {
    it('GET /auth answers 303 to the login page, which names the application and has labelled username and password fields', async () => {
      const flow = await start();
      expect(flow.responses[0]!.status).to.equal(303);
      expect(flow.page!.url.pathname).to.match(/^\/interaction\/[\w-]+$/);
      expect(flow.page!.status).to.equal(200);
      expect(flow.html).to.include('Budget Buddy is asking to connect to your bank.');
      expect(flow.html).to.include('<label for="username">Username</label>');
      expect(flow.html).to.include('<label for="password">Password</label>');
      expect(flow.html).to.match(/<input id="username"[^>]*autocomplete="username"/);
      expect(flow.html).to.match(/<input id="password"[^>]*type="password"[^>]*autocomplete="current-password"/);
      expect(flow.field('csrf')).to.match(/^[\w-]{43}$/);
    });

    it('a right password answers 303 to the one-time code page; a right code answers 303 onwards to consent', async () => {
      const flow = await start();
      const res = await flow.login(customer.username, customer.password);
      expect(res.status).to.equal(303);
      expect(onCodePage(flow)).to.equal(true);
      expect(flow.html).to.include('<label for="otp">One-time code</label>');
      expect(flow.html).to.match(/<input id="otp"[^>]*inputmode="numeric"[^>]*autocomplete="one-time-code"/);
      const codeRes = await flow.otp(customer.nextCode());
      expect(codeRes.status).to.equal(303);
      expect(flow.html).to.include('Allow Budget Buddy access?');
    });

    it('accepts the username in another case and with surrounding spaces', async () => {
      const flow = await start();
      await flow.login(`  ${customer.username.toUpperCase()} `, customer.password);
      expect(onCodePage(flow)).to.equal(true);
    });

    it('the one-time code page cannot be skipped: POST …/otp before the password goes back to the login page', async () => {
      const flow = await start();
      const res = await flow.agent.request(new URL(flow.page!.url.pathname + '/otp', srv.url), {
        form: { csrf: flow.field('csrf'), otp: customer.nextCode() },
      });
      expect(res.status).to.equal(303);
      expect(res.headers.get('location')).to.equal(flow.page!.url.pathname);
    });

    it('a second authorization asks for both factors again, even in a browser that logged in before', async () => {
      const agent = new Agent();
      const returning = await createCustomer(srv.deps);
      const first = await start(agent);
      await first.login(returning.username, returning.password);
      await first.otp(returning.nextCode());
      const second = await start(agent);
      expect(onPasswordPage(second)).to.equal(true);
    });

    it('another customer can log in in a browser where someone else logged in before', async () => {
      const agent = new Agent();
      const [one, other] = await Promise.all([createCustomer(srv.deps), createCustomer(srv.deps)]);
      const first = await start(agent);
      await first.login(one.username, one.password);
      await first.otp(one.nextCode());
      await first.consent('allow');
      const second = await start(agent);
      await second.login(other.username, other.password);
      await second.otp(other.nextCode());
      expect(second.html).to.include(`You are logged in as ${other.username}.`);
      await second.consent('allow');
      expect(second.callback!.searchParams.get('code')).to.be.a('string');
    });

    it('prompt=none cannot skip authentication: login_required at the redirect URI, with state and iss (RFC 9207)', async () => {
      const flow = await start(undefined, { prompt: 'none', state: 'quiet' });
      const params = flow.callback!.searchParams;
      expect(flow.callback!.href.startsWith(REDIRECT_URI)).to.equal(true);
      expect(params.get('error')).to.equal('login_required');
      expect(params.get('state')).to.equal('quiet');
      expect(params.get('iss')).to.equal(srv.url);
    });

    it('announces acr and amr in discovery', async () => {
      const discovery = (await (await fetch(`${srv.url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
      expect(discovery.acr_values_supported).to.deep.equal([SCA_ACR]);
      expect(discovery.claims_supported).to.include.members(['sub', 'acr', 'amr', 'auth_time']);
    });
  });

  describe('failures say nothing about whether a username exists', () => {
    it('a wrong password shows the one message and keeps the username (escaped) in the field', async () => {
      const victim = await createCustomer(srv.deps);
      const flow = await start();
      const res = await flow.login(victim.username, 'not-the-password');
      expect(res.status).to.equal(303);
      expect(onPasswordPage(flow)).to.equal(true);
      expect(alertOf(flow)).to.equal(LOGIN_FAILED);
      expect(flow.field('username')).to.equal(victim.username);
    });

    it('an unknown username gets the very same message', async () => {
      const known = await createCustomer(srv.deps);
      const wrong = await start();
      await wrong.login(known.username, 'wrong-password-1');
      const unknown = await start();
      await unknown.login('nobody.here', 'wrong-password-1');
      expect(alertOf(unknown)).to.equal(alertOf(wrong)).and.equal(LOGIN_FAILED);
      const strip = (html: string) =>
        html
          .replace(/value="[^"]*"/g, '')
          .replace(/\/interaction\/[\w-]+/g, '')
          .replace(/csrf=[\w-]+/g, '');
      expect(strip(unknown.html)).to.equal(strip(wrong.html));
    });

    it('the message shows once: reloading the page shows the plain login form', async () => {
      const flow = await start();
      await flow.login('nobody.here', 'wrong-password-1');
      expect(alertOf(flow)).to.equal(LOGIN_FAILED);
      const again = await flow.agent.request(flow.page!.url);
      expect(await again.text()).not.to.include('role="alert"');
    });
  });

  describe('lockout after LOCKOUT_MAX_FAILURES wrong passwords or codes', () => {
    it(`${MAX_FAILURES} wrong passwords from one source block that source for LOCKOUT_SECONDS: then even the right password gets the same message there, not elsewhere`, async () => {
      const victim = await createCustomer(srv.deps);
      const attacker = () => new Agent({ 'x-forwarded-for': '203.0.113.66' });
      for (let i = 0; i < MAX_FAILURES; i += 1) {
        const flow = await start(attacker());
        await flow.login(victim.username, `wrong-${i}-password`);
        expect(alertOf(flow)).to.equal(LOGIN_FAILED);
      }
      expect(await store.probe.ttl(passwordKey(victim.sub, '203.0.113.66'))).to.be.within(590, 600);
      const flow = await start(attacker());
      await flow.login(victim.username, victim.password);
      expect(onPasswordPage(flow)).to.equal(true);
      expect(alertOf(flow)).to.equal(LOGIN_FAILED);
      const own = await start(new Agent({ 'x-forwarded-for': '198.51.100.10' }));
      await own.login(victim.username, victim.password);
      expect(onCodePage(own), 'the customer, from their own network, is not locked out').to.equal(true);
    });

    it('`user unlock` lifts the account-wide lock at once', async () => {
      const victim = await createCustomer(srv.deps);
      const flow = await start();
      await flow.login(victim.username, victim.password);
      for (let i = 0; i < MAX_FAILURES; i += 1) await flow.otp('000000');
      expect(await srv.deps.accounts.accounts.status(victim.sub)).to.equal('locked');
      await srv.deps.accounts.accounts.unlock(victim.username);
      const again = await start();
      await again.login(victim.username, victim.password);
      expect(onCodePage(again)).to.equal(true);
    });

    it('wrong codes count too: after the limit the lock page says so, with the policy, and the account is locked', async () => {
      const victim = await createCustomer(srv.deps);
      const flow = await start();
      await flow.login(victim.username, victim.password);
      for (let i = 1; i < MAX_FAILURES; i += 1) {
        await flow.otp(i % 2 ? '000000' : 'abcdef');
        expect(onCodePage(flow)).to.equal(true);
        expect(alertOf(flow)).to.match(/That code is not right/);
      }
      await flow.otp('000000');
      expect(flow.page!.status).to.equal(403);
      expect(onPasswordPage(flow) || onCodePage(flow)).to.equal(false);
      expect(flow.html).to.include('<h1>Sign-in is locked for now</h1>');
      expect(flow.html).to.include(`After ${MAX_FAILURES} wrong passwords or codes in a row, sign-in is locked for 10 minutes`);
      expect(await srv.deps.accounts.accounts.status(victim.sub)).to.equal('locked');
      const retry = await start();
      await retry.login(victim.username, victim.password);
      expect(alertOf(retry)).to.equal(LOGIN_FAILED);
    });

    it('a right password does not reset the count, so knowing it buys no extra guesses at the code', async () => {
      const victim = await createCustomer(srv.deps);
      for (let round = 0; round < MAX_FAILURES; round += 1) {
        const flow = await start();
        await flow.login(victim.username, victim.password);
        await flow.otp('000000');
      }
      expect(await srv.deps.accounts.accounts.status(victim.sub)).to.equal('locked');
    });

    it('a full login clears the count', async () => {
      const victim = await createCustomer(srv.deps);
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < MAX_FAILURES - 1; i += 1) await (await start()).login(victim.username, 'wrong-password-x');
        const flow = await start();
        await flow.login(victim.username, victim.password);
        await flow.otp(victim.nextCode());
        expect(flow.html).to.include('Allow Budget Buddy access?');
      }
    });
  });

  describe('a one-time code works once', () => {
    it('the same code is refused for a second login, even within its 30 seconds', async () => {
      const victim = await createCustomer(srv.deps);
      const code = victim.nextCode();
      const first = await start();
      await first.login(victim.username, victim.password);
      await first.otp(code);
      expect(first.html).to.include('Allow Budget Buddy access?');
      const second = await start();
      await second.login(victim.username, victim.password);
      await second.otp(code);
      expect(onCodePage(second)).to.equal(true);
      expect(alertOf(second)).to.match(/used already/);
    });

    it('an older code is refused once a newer one was used', async () => {
      const victim = await createCustomer(srv.deps);
      const now = srv.deps.clock(); // the time the app checks codes at
      const first = await start();
      await first.login(victim.username, victim.password);
      await first.otp(currentTotp(victim.secret, now));
      const second = await start();
      await second.login(victim.username, victim.password);
      await second.otp(currentTotp(victim.secret, now - 30_000));
      expect(alertOf(second)).to.match(/That code is not right/);
    });

    it('of concurrent submissions of one code, exactly one logs in', async () => {
      const victim = await createCustomer(srv.deps);
      const flows = await Promise.all([start(), start(), start(), start(), start()]);
      for (const flow of flows) await flow.login(victim.username, victim.password);
      const code = victim.nextCode();
      await Promise.all(flows.map((flow) => flow.otp(code)));
      expect(flows.filter((flow) => flow.html.includes('Allow Budget Buddy access?'))).to.have.length(1);
    });
  });

  describe('forms are bound to their interaction', () => {
    it('a POST without the CSRF token is refused with 403 and the error page', async () => {
      const flow = await start();
      const res = await flow.agent.request(flow.formAction(), { form: { username: customer.username, password: customer.password } });
      expect(res.status).to.equal(403);
      expect(await res.text()).to.include('<h1>This sign-in has expired</h1>');
    });

    it("a form posted to another interaction's URL is refused (the uid in the path must be the cookie's)", async () => {
      const mine = await start();
      const theirs = await start();
      const cookie = mine.agent.jar.header(mine.page!.url);
      const res = await fetch(new URL(theirs.page!.url.pathname + '/login', srv.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: mine.field('csrf'), username: customer.username, password: customer.password }),
      });
      expect(res.status).to.equal(400);
      expect(await res.text()).to.include('<h1>This sign-in has expired</h1>');
    });

    it('without the interaction cookie the page is an error page, not a login form', async () => {
      const flow = await start();
      const res = await fetch(flow.page!.url, { headers: { accept: 'text/html' } });
      expect(res.status).to.equal(400);
      const html = await res.text();
      expect(html).to.include('<h1>This sign-in has expired</h1>');
      expect(html).to.include('The sign-in took too long or has already finished. Return to the application and start again.');
      expect(html).not.to.include('current-password');
    });
  });

  describe('cancel', () => {
    it('the cancel link ends the flow at the client with access_denied, state and iss', async () => {
      const flow = await start(undefined, { state: 'cancel-me' });
      await flow.cancel();
      const params = flow.callback!.searchParams;
      expect(params.get('error')).to.equal('access_denied');
      expect(params.get('state')).to.equal('cancel-me');
      expect(params.get('iss')).to.equal(srv.url);
    });

    it('the cancel link works from the one-time code page as well', async () => {
      const flow = await start();
      await flow.login(customer.username, customer.password);
      await flow.cancel();
      expect(flow.callback!.searchParams.get('error')).to.equal('access_denied');
    });

    it('a cancel link without the token is refused', async () => {
      const flow = await start();
      const res = await flow.agent.request(new URL(`${flow.page!.url.pathname}/cancel?csrf=forged`, srv.url));
      expect(res.status).to.equal(403);
    });
  });
});

describe('interaction: failed sign-ins are also limited per address (RATE_LIMIT_ADDRESS_LOGIN_FAILURES)', () => {
  const fx = useServerOnRedis({ RATE_LIMIT_ADDRESS_LOGIN_FAILURES: '3' });
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
  });

  it('after the budget, one address cannot try more passwords, even against other usernames, nor the right one', async () => {
    const customer = await createCustomer(srv.deps);
    for (const username of ['spray.one', 'spray.two', 'spray.three']) {
      const flow = await Flow.start(srv.url, accountsParams(tpp));
      await flow.login(username, 'Summer2026!');
      expect(alertOf(flow)).to.equal(LOGIN_FAILED);
    }
    const flow = await Flow.start(srv.url, accountsParams(tpp));
    await flow.login(customer.username, customer.password);
    expect(onPasswordPage(flow)).to.equal(true);
    expect(alertOf(flow)).to.match(/^There were too many failed sign-ins from your network\. Wait 1 minute and try again\.$/);
    expect(await srv.deps.accounts.accounts.status(customer.sub)).to.equal('active');
  });
});
