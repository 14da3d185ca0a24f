import { expect } from 'chai';

import { accountsParams, registerWebClient, startFlowServer } from '../support/code_grant.ts';
import { Agent, createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

describe('RFC 6749 §10.12 / RFC 9700 §4.7 CSRF on the login, one-time code and consent forms', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;
  let customer: TestCustomer;

  before(async () => {
    tpp = await registerWebClient(fx.srv);
  });

  beforeEach(async () => {
    customer = await createCustomer(fx.srv.deps);
  });

  const start = () => Flow.start(fx.srv.url, accountsParams(tpp));

  /** Posts to the page's form with these fields exactly (no csrf added). */
  const postRaw = (flow: Flow, fields: Record<string, string>, agent: Agent = flow.agent) =>
    agent.request(flow.formAction(), { form: fields });

  /** After a refused post, the flow is still at the same step: the page shows the same form. */
  async function stillAt(flow: Flow, field: string): Promise<void> {
    const page = await flow.agent.request(flow.page!.url);
    expect(await page.text()).to.contain(`name="${field}"`);
  }

  it('the login form without its csrf token is refused (403) and does not log in', async () => {
    const flow = await start();
    const res = await postRaw(flow, { username: customer.username, password: customer.password });
    expect(res.status).to.equal(403);
    await stillAt(flow, 'password');
  });

  it('the login form with the csrf token of another sign-in is refused', async () => {
    const [mine, other] = [await start(), await start()];
    const res = await postRaw(mine, { csrf: other.field('csrf'), username: customer.username, password: customer.password });
    expect(res.status).to.equal(403);
    await stillAt(mine, 'password');
  });

  it('login CSRF: the victim’s sign-in cannot be posted from another browser (no interaction cookie)', async () => {
    const flow = await start();
    const res = await postRaw(flow, { csrf: flow.field('csrf'), username: customer.username, password: customer.password }, new Agent());
    expect(res.status).to.equal(400);
    await stillAt(flow, 'password');
  });

  it('the one-time code form without its csrf token is refused and does not finish the login', async () => {
    const flow = await start();
    await flow.login(customer.username, customer.password);
    const res = await postRaw(flow, { otp: customer.nextCode() });
    expect(res.status).to.equal(403);
    await stillAt(flow, 'otp');
  });

  it('the consent form without its csrf token is refused and grants nothing', async () => {
    const flow = await start();
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    expect(flow.html).to.contain('name="decision"');
    const res = await postRaw(flow, { decision: 'allow' });
    expect(res.status).to.equal(403);
    expect(res.headers.get('location')).to.equal(null);
    await stillAt(flow, 'decision');
  });

  it('the consent form posted from another browser is refused', async () => {
    const flow = await start();
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    const res = await postRaw(flow, { csrf: flow.field('csrf'), decision: 'allow' }, new Agent());
    expect(res.status).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
  });

  it('the cancel link without its csrf token is refused', async () => {
    const flow = await start();
    const res = await flow.agent.request(new URL(`${flow.page!.url.pathname}/cancel`, fx.srv.url));
    expect(res.status).to.equal(403);
    expect(res.headers.get('location')).to.equal(null);
  });

  it('the forms are refused when posted as another content type (no simple cross-site JSON or multipart)', async () => {
    const flow = await start();
    const posts: [string, string][] = [
      ['text/plain', `csrf=${flow.field('csrf')}&username=${customer.username}&password=${customer.password}`],
      ['application/json', JSON.stringify({ csrf: flow.field('csrf'), username: customer.username, password: customer.password })],
    ];
    for (const [type, body] of posts) {
      const res = await fetch(flow.formAction(), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': type, cookie: flow.agent.jar.header(flow.formAction()) },
        body,
      });
      expect(res.status, type).to.equal(415);
    }
    await stillAt(flow, 'password');
  });

  it('the interaction cookies are HttpOnly and SameSite', async () => {
    const res = await new Agent().request(
      new URL(
        `/auth?${new URLSearchParams({ ...accountsParams(tpp), response_type: 'code', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
        fx.srv.url,
      ),
    );
    const cookies = res.headers.getSetCookie();
    expect(cookies.length).to.be.greaterThan(0);
    for (const cookie of cookies) {
      expect(cookie, cookie).to.match(/;\s*httponly/i);
      expect(cookie, cookie).to.match(/;\s*samesite=(lax|strict)/i);
    }
  });
});

describe('RFC 6749 §10.12 the form token of a sign-in is derived from its uid under the cookie keys', () => {
  const OLD_KEY = 'old-cookie-key-0123456789abcdef0123456789';
  const NEW_KEY = 'new-cookie-key-0123456789abcdef0123456789';
  let store: TestRedisStore;
  let before: TestServer;
  let after: TestServer;
  let tpp: RegisteredClient;

  beforeEach(async () => {
    store = await openTestRedisStore();
    before = await startFlowServer(store, { COOKIE_KEYS: OLD_KEY });
    after = await startFlowServer(store, { COOKIE_KEYS: `${NEW_KEY},${OLD_KEY}` });
    tpp = await registerWebClient(before);
  });

  afterEach(async () => {
    await before?.close();
    await after?.close();
    await store?.close();
  });

  it('showing the login form stores no step state for it', async () => {
    const flow = await Flow.start(before.url, accountsParams(tpp));
    expect(flow.field('csrf')).to.have.length(43);
    expect(await store.probe.keys(`${store.prefix}InteractionStep:*`)).to.deep.equal([]);
  });

  it('a form shown before a key rotation (COOKIE_KEYS "new,old") is still accepted after it', async () => {
    const customer = await createCustomer(before.deps);
    const flow = await Flow.start(before.url, accountsParams(tpp));
    const action = new URL(flow.formAction().pathname, after.url);
    const res = await flow.agent.request(action, {
      form: { csrf: flow.field('csrf'), username: customer.username, password: customer.password },
    });
    expect(res.status).to.equal(303);
    const next = await flow.agent.request(new URL(res.headers.get('location')!, action));
    expect(await next.text()).to.include('autocomplete="one-time-code"');
  });
});
