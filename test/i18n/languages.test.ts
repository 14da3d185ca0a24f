import { expect } from 'chai';

import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { Agent, createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';

const LOGIN_HEADINGS = { fi: 'Kirjaudu palveluun Demo Bank', sv: 'Logga in hos Demo Bank', en: 'Log in to Demo Bank' } as const;

function langOf(html: string): string | undefined {
  return /<html lang="([^"]+)">/.exec(html)?.[1];
}

function h1Of(html: string): string | undefined {
  return /<h1>([^<]*)<\/h1>/.exec(html)?.[1];
}

describe('languages: ui_locales (OIDC Core §3.1.2.1), the switcher cookie, Accept-Language, the default', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let tpp: RegisteredClient;
  let customer: TestCustomer;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
    customer = await createCustomer(srv.deps);
  });

  for (const locale of ['fi', 'sv', 'en'] as const) {
    it(`ui_locales=${locale} gives the login page in that language, with <html lang="${locale}"> and Content-Language`, async () => {
      const flow = await Flow.start(srv.url, { ...accountsParams(tpp), ui_locales: locale });
      expect(langOf(flow.html)).to.equal(locale);
      expect(h1Of(flow.html)).to.equal(LOGIN_HEADINGS[locale]);
      expect(flow.page!.headers.get('content-language')).to.equal(locale);
    });
  }

  it('ui_locales is a list in order of preference: the first supported one wins, regional tags match their language', async () => {
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), ui_locales: 'de-DE sv-FI fi' });
    expect(langOf(flow.html)).to.equal('sv');
  });

  it('Accept-Language alone chooses the language, in the browser’s order; * says nothing and gives the default (en)', async () => {
    const finnish = await Flow.start(srv.url, accountsParams(tpp), new Agent({ 'accept-language': 'de;q=1, fi-FI;q=0.9, en;q=0.5' }));
    expect(langOf(finnish.html)).to.equal('fi');
    const any = await Flow.start(srv.url, accountsParams(tpp), new Agent({ 'accept-language': '*' }));
    expect(langOf(any.html)).to.equal('en');
  });

  it('ui_locales outranks Accept-Language', async () => {
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), ui_locales: 'sv' }, new Agent({ 'accept-language': 'fi' }));
    expect(langOf(flow.html)).to.equal('sv');
  });

  it('the switcher on every page sets the language cookie, which outranks Accept-Language on later sign-ins', async () => {
    const agent = new Agent({ 'accept-language': 'en' });
    const flow = await Flow.start(srv.url, accountsParams(tpp), agent);
    const links = [...flow.html.matchAll(/<a href="([^"]+)" lang="(\w+)" hreflang="\w+"/g)].map((m) => [
      m[2],
      m[1]!.replace(/&amp;/g, '&'),
    ]);
    expect(links.map(([lang]) => lang)).to.deep.equal(['fi', 'sv', 'en']);
    const svLink = new URL(Object.fromEntries(links).sv!, srv.url);
    expect(svLink.pathname).to.equal(flow.page!.url.pathname);
    const switched = await agent.request(svLink);
    expect(langOf(await switched.text())).to.equal('sv');
    expect(switched.headers.getSetCookie().join()).to.match(/valtuus_lang=sv;.*samesite=lax/i);
    const later = await Flow.start(srv.url, accountsParams(tpp), agent);
    expect(langOf(later.html)).to.equal('sv');
  });

  it('ui_locales outranks the cookie; a switch during the sign-in holds for its later pages', async () => {
    const agent = new Agent();
    agent.jar.take(new Response(null, { headers: { 'set-cookie': 'valtuus_lang=sv; path=/' } }));
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), ui_locales: 'fi' }, agent);
    expect(langOf(flow.html)).to.equal('fi');
    const english = new URL(`${flow.page!.url.pathname}?lang=en`, srv.url);
    const res = await agent.request(english);
    expect(langOf(await res.text())).to.equal('en');
    await flow.login(customer.username, customer.password);
    expect(langOf(flow.html)).to.equal('en');
    expect(h1Of(flow.html)).to.equal('Enter your one-time code');
  });

  it('a language picked during the sign-in holds on the form_post page that ends it (OAuth 2.0 Form Post Response Mode)', async () => {
    const someone = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), ui_locales: 'fi', response_mode: 'form_post' });
    await flow.agent.request(new URL(`${flow.page!.url.pathname}?lang=sv`, srv.url));
    await flow.login(someone.username, someone.password);
    await flow.otp(someone.nextCode());
    await flow.consent('allow');
    expect(flow.html).to.include('name="code"');
    expect(langOf(flow.html)).to.equal('sv');
    expect(h1Of(flow.html)).to.equal('Du skickas tillbaka till Budget Buddy');
  });

  it('the code and consent pages follow ui_locales too, and the consent names the API and scopes in that language', async () => {
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp, 'openid accounts:read'), ui_locales: 'fi' });
    await flow.login(customer.username, customer.password);
    expect(h1Of(flow.html)).to.equal('Anna kertakäyttökoodi');
    await flow.otp(customer.nextCode());
    expect(langOf(flow.html)).to.equal('fi');
    expect(h1Of(flow.html)).to.equal('Annetaanko palvelulle Budget Buddy pääsy?');
    expect(flow.html).to.include('<h2 id="perm-accounts">Tilit</h2>');
    expect(flow.html).to.include('Nähdä tilisi, saldot ja tilitapahtumat');
    expect(flow.html).to.include('Henkilöllisyytesi');
    expect(flow.html).to.include('<button type="submit" name="decision" value="allow" class="primary">Salli</button>');
  });

  it("oidc-provider's error page (renderError) follows ui_locales: an unknown application in Swedish", async () => {
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), client_id: 'no-such-app', ui_locales: 'sv' });
    expect(flow.page!.status).to.equal(400);
    expect(langOf(flow.html)).to.equal('sv');
    expect(h1Of(flow.html)).to.equal('Vi känner inte till den här appen');
  });

  it('discovery lists ui_locales_supported: fi, sv, en (OpenID Connect Discovery 1.0 §3)', async () => {
    const doc = (await (await fetch(`${srv.url}/.well-known/openid-configuration`)).json()) as { ui_locales_supported?: string[] };
    expect(doc.ui_locales_supported).to.deep.equal(['fi', 'sv', 'en']);
  });
});
