import { expect } from 'chai';

import { accountsParams, authorizeUrl, getManual, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, Flow, pkce, type TestCustomer } from '../support/flow.ts';
import { type RegisteredClient, useServerOnRedis } from '../support/server.ts';

interface Seen {
  what: string;
  status: number;
  headers: Headers;
}

const isPage = (r: { status: number; headers: Headers }) =>
  (r.status < 300 || r.status >= 400) && /^text\/html/.test(r.headers.get('content-type') ?? '');

describe('headers of every HTML page (RFC 6749 §10.13, RFC 9700 §4.16 and §4.2.4, RFC 6819 §4.4.1.9)', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;
  const pages: Seen[] = [];

  /** Every page a customer can meet: each step, each flash message, each error page. */
  before(async () => {
    tpp = await registerWebClient(fx.srv);
    const collect = (what: string, flow: Flow) => {
      for (const r of flow.responses.filter(isPage))
        pages.push({ what: `${what}: ${r.url.pathname}`, status: r.status, headers: r.headers });
    };
    const start = () => Flow.start(fx.srv.url, accountsParams(tpp));
    const customer: TestCustomer = await createCustomer(fx.srv.deps);

    const happy = await start();
    await happy.login(customer.username, 'not-the-password');
    await happy.login(customer.username, customer.password);
    await happy.otp('000000');
    await happy.otp(customer.nextCode());
    collect('login, wrong password, one-time code, wrong code, consent', happy);

    const denied = await start();
    await denied.cancel();
    collect('cancelled', denied);

    const stale = await start();
    const res = await stale.agent.request(stale.formAction(), { form: { csrf: 'stale', username: 'x', password: 'y' } });
    pages.push({ what: 'stale form', status: res.status, headers: res.headers });

    for (const [what, url] of [
      ['unknown interaction', `${fx.srv.url}/interaction/unknown-uid`],
      [
        'bad redirect_uri',
        authorizeUrl(fx.srv.url, {
          ...accountsParams(tpp),
          redirect_uri: 'https://evil.example/',
          response_type: 'code',
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        }),
      ],
      ['unknown client', authorizeUrl(fx.srv.url, { client_id: 'nobody', response_type: 'code' })],
      ['resume without cookie', `${fx.srv.url}/auth/unknown-uid`],
    ] as const) {
      const page = await getManual(url);
      pages.push({ what, status: page.status, headers: page.headers });
    }
    expect(pages.length).to.be.greaterThan(8);
  });

  it("RFC 6749 §10.13 / RFC 9700 §4.16 clickjacking: frame-ancestors 'none' and X-Frame-Options: DENY on every page", () => {
    for (const page of pages) {
      expect(page.headers.get('content-security-policy') ?? '', page.what).to.match(/frame-ancestors 'none'/);
      expect(page.headers.get('x-frame-options'), page.what).to.match(/^DENY$/i);
    }
  });

  it('RFC 9700 §4.2.4 Referer leakage: Referrer-Policy: no-referrer on every page', () => {
    for (const page of pages) expect(page.headers.get('referrer-policy'), page.what).to.equal('no-referrer');
  });

  it('RFC 6749 §10.3 / RFC 9700 §4.3 pages are not cached (Cache-Control: no-store)', () => {
    for (const page of pages) expect(page.headers.get('cache-control'), page.what).to.match(/no-store/);
  });

  it("RFC 9700 §4.16 pages run no script from elsewhere: CSP default-src 'none'", () => {
    for (const page of pages) expect(page.headers.get('content-security-policy') ?? '', page.what).to.match(/default-src 'none'/);
  });
  it('RFC 9700 §4.16 the form_post response page (it carries the code) cannot be framed either', async () => {
    const customer = await createCustomer(fx.srv.deps);
    const flow = await Flow.start(fx.srv.url, { ...accountsParams(tpp), response_mode: 'form_post' });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    await flow.consent('allow');
    expect(flow.html).to.contain('name="code"');
    const headers = flow.page!.headers;
    expect(headers.get('content-security-policy') ?? '', 'CSP').to.match(/frame-ancestors 'none'/);
    expect(headers.get('x-frame-options'), 'X-Frame-Options').to.match(/^DENY$/i);
    expect(headers.get('referrer-policy'), 'Referrer-Policy').to.equal('no-referrer');
    expect(headers.get('cache-control'), 'Cache-Control').to.match(/no-store/);
  });
});
