import { readdirSync, readFileSync } from 'node:fs';

import { expect } from 'chai';

import { renderDocument, VIEWS_DIR } from '../../server/pages/render.ts';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;

// every value each page's action hands its template, all set to the hostile string
const PAGES: Record<string, object> = {
  login: { clientName: HOSTILE, action: HOSTILE, csrf: HOSTILE, username: HOSTILE, error: HOSTILE, cancelHref: HOSTILE },
  otp: { clientName: HOSTILE, action: HOSTILE, csrf: HOSTILE, error: HOSTILE, cancelHref: HOSTILE },
  consent: {
    clientName: HOSTILE,
    username: HOSTILE,
    action: HOSTILE,
    csrf: HOSTILE,
    groups: [{ id: HOSTILE, name: HOSTILE, scopes: [{ name: HOSTILE, description: HOSTILE }] }],
    details: [{ label: HOSTILE, value: HOSTILE }],
    clientLogo: HOSTILE,
    clientLinks: [{ label: HOSTILE, href: HOSTILE }],
  },
  error: { heading: HOSTILE, description: HOSTILE, code: HOSTILE },
};

describe('views: templates without logic escape every value', () => {
  it('there is a test case for every page template (the layout is rendered with each)', () => {
    const templates = readdirSync(VIEWS_DIR)
      .filter((f) => f.endsWith('.ejs'))
      .map((f) => f.replace(/\.ejs$/, ''));
    expect(templates.sort()).to.deep.equal([...Object.keys(PAGES), 'layout'].sort());
  });

  for (const [view, locals] of Object.entries(PAGES)) {
    it(`${view}.ejs inside layout.ejs renders a hostile string only escaped`, async () => {
      const html = await renderDocument({ response: {} }, view, HOSTILE, locals);
      expect(html).not.to.include('<script>');
      expect(html).not.to.include('<img src=x');
      expect(html).not.to.match(/"><script/);
      expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).to.include('&#34;&gt;');
    });
  }

  it('only the layout writes raw HTML (<%- %>), and only the body', () => {
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.ejs'))) {
      const raw = [...readFileSync(`${VIEWS_DIR}${file}`, 'utf8').matchAll(/<%-\s*([^%]*?)\s*%>/g)].map((m) => m[1]);
      expect(raw, file).to.deep.equal(file === 'layout.ejs' ? ['body'] : []);
    }
  });
});
