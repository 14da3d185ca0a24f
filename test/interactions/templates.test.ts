import { readdirSync, readFileSync } from 'node:fs';

import { expect } from 'chai';

import { sampleBranding } from '../../config/branding.ts';
import { Pages } from '../../server/pages/kit.ts';
import { renderDocument, VIEWS_DIR } from '../../server/pages/render.ts';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;

// every value each page's action hands its template, all set to the hostile string
const PAGES: Record<string, object> = {
  login: { clientName: HOSTILE, lead: HOSTILE, action: HOSTILE, csrf: HOSTILE, username: HOSTILE, error: HOSTILE, cancelHref: HOSTILE },
  otp: { clientName: HOSTILE, action: HOSTILE, decoupledAction: HOSTILE, csrf: HOSTILE, error: HOSTILE, cancelHref: HOSTILE },
  decoupled_wait: { clientName: HOSTILE, bindingMessage: HOSTILE, refreshHref: HOSTILE, cancelHref: HOSTILE, scriptSrc: HOSTILE },
  locked: { text: HOSTILE, clientName: HOSTILE, cancelHref: HOSTILE },
  consent: {
    clientName: HOSTILE,
    username: HOSTILE,
    action: HOSTILE,
    csrf: HOSTILE,
    groups: [{ id: HOSTILE, name: HOSTILE, scopes: [{ name: HOSTILE, description: HOSTILE }] }],
    details: [{ label: HOSTILE, value: HOSTILE }],
    lifetime: { duration: HOSTILE, until: HOSTILE },
    appsHref: HOSTILE,
    payments: [],
    clientLogo: HOSTILE,
    clientLinks: [{ label: HOSTILE, href: HOSTILE }],
  },
  form_post: { action: HOSTILE, clientName: HOSTILE, inputs: [{ name: HOSTILE, value: HOSTILE }] },
  apps: {
    username: HOSTILE,
    notice: HOSTILE,
    csrf: HOSTILE,
    withdrawAction: HOSTILE,
    signOutAction: HOSTILE,
    apps: [
      {
        id: HOSTILE,
        clientId: HOSTILE,
        name: HOSTILE,
        since: HOSTILE,
        lastUsed: HOSTILE,
        until: HOSTILE,
        groups: [{ name: HOSTILE, scopes: [{ name: HOSTILE, description: HOSTILE }] }],
      },
    ],
  },
  error: { heading: HOSTILE, text: HOSTILE, reference: HOSTILE, code: HOSTILE },
  approve_login: { action: HOSTILE, csrf: HOSTILE, username: HOSTILE, error: HOSTILE },
  approve_otp: { action: HOSTILE, csrf: HOSTILE, error: HOSTILE },
  approve_list: {
    username: HOSTILE,
    notice: HOSTILE,
    csrf: HOSTILE,
    action: HOSTILE,
    signoutAction: HOSTILE,
    refreshHref: HOSTILE,
    scriptSrc: HOSTILE,
    requests: [
      {
        id: HOSTILE,
        ref: HOSTILE,
        clientName: HOSTILE,
        bindingMessage: HOSTILE,
        timeLeft: HOSTILE,
        groups: [{ id: HOSTILE, name: HOSTILE, scopes: [{ name: HOSTILE, description: HOSTILE }] }],
      },
    ],
  },
};

/** A layout for the template alone: a hostile bank name and page title, as an operator's config could hold. */
function hostileLayout() {
  const pages = new Pages({ defaultLocale: 'en', branding: { ...sampleBranding, name: HOSTILE, supportPhone: HOSTILE } });
  const ctx = { method: 'GET', originalUrl: '/x', path: '/x', query: {}, get: () => '', acceptsLanguages: () => [] };
  const language = pages.language(ctx as never);
  return pages.layout(ctx as never, language, { view: 'error', title: HOSTILE, locals: {} });
}

describe('views: templates without logic escape every value', () => {
  it('there is a test case for every page template (the layout is rendered with each)', () => {
    const templates = readdirSync(VIEWS_DIR)
      .filter((f) => f.endsWith('.ejs'))
      .map((f) => f.replace(/\.ejs$/, ''));
    expect(templates.sort()).to.deep.equal([...Object.keys(PAGES), 'layout'].sort());
  });

  for (const [view, locals] of Object.entries(PAGES)) {
    it(`${view}.ejs inside layout.ejs renders a hostile string only escaped`, async () => {
      const html = await renderDocument(view, locals, hostileLayout());
      expect(html).not.to.include('<script>');
      expect(html).not.to.include('<img src=x');
      expect(html).not.to.match(/"><script/);
      expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).to.include('&#34;&gt;');
    });
  }

  it('consent.ejs with a payment to approve renders a hostile string only escaped', async () => {
    const payment = { amount: HOSTILE, creditorName: HOSTILE, creditorIban: HOSTILE, debtor: HOSTILE, reference: HOSTILE, date: HOSTILE };
    const html = await renderDocument('consent', { ...PAGES.consent, payments: [payment] }, hostileLayout());
    expect(html).to.include('Approve this payment');
    expect(html).not.to.include('<script>');
    expect(html).not.to.include('<img src=x');
    expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length).to.be.greaterThan(6);
  });

  it('only the layout writes raw HTML (<%- %>), and only the body', () => {
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.ejs'))) {
      const raw = [...readFileSync(`${VIEWS_DIR}${file}`, 'utf8').matchAll(/<%-\s*([^%]*?)\s*%>/g)].map((m) => m[1]);
      expect(raw, file).to.deep.equal(file === 'layout.ejs' ? ['body'] : []);
    }
  });
});
