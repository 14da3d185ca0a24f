import { readdirSync, readFileSync } from 'node:fs';

import { expect } from 'chai';

import { sampleApis } from '../../config/apis.ts';
import { LOCALES } from '../../config/locales.ts';
import { CATALOGUES, placeholders } from '../../server/pages/i18n/catalogue.ts';
import { en } from '../../server/pages/i18n/en.ts';
import { VIEWS_DIR } from '../../server/pages/render.ts';

// attributes whose values people read or hear
const SPOKEN_ATTRIBUTES = /\s(?:aria-label|title|placeholder|alt|value)="([^"]*)"/g;
// a form's machine values, not words: the consent buttons' allow/deny, which TPPs' scripts press
const MACHINE_VALUES = new Set(['allow', 'deny']);

/** What a template would show as fixed text: its markup with every EJS tag, tag and entity taken out. */
function fixedText(template: string): string[] {
  const withoutEjs = template.replace(/<%[\s\S]*?%>/g, '');
  const words = withoutEjs
    .replace(/<!doctype[^>]*>/i, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;/g, ' ')
    .split(/\s+/)
    .filter((w) => /\p{L}/u.test(w));
  const attributes = [...withoutEjs.matchAll(SPOKEN_ATTRIBUTES)]
    .map((m) => m[1]!)
    .filter((v) => /\p{L}/u.test(v) && !MACHINE_VALUES.has(v));
  return [...words, ...attributes];
}

describe('languages: the message catalogues (fi, sv, en)', () => {
  it('every key exists in every language, and no language has a key English lacks', () => {
    const keys = Object.keys(en).sort();
    for (const locale of LOCALES) expect(Object.keys(CATALOGUES[locale]).sort(), locale).to.deep.equal(keys);
  });

  it('every text is translated (not empty) and fills the same {placeholders} in every language', () => {
    for (const [key, english] of Object.entries(en)) {
      for (const locale of LOCALES) {
        const text = CATALOGUES[locale][key as keyof typeof en];
        expect(text.trim(), `${locale} ${key}`).not.to.equal('');
        expect(placeholders(text), `${locale} ${key}`).to.deep.equal(placeholders(english));
      }
    }
  });

  it('Finnish and Swedish texts differ from the English ones (nothing left untranslated)', () => {
    // a few words could be the same in every language by nature
    const same = new Set<string>([]);
    for (const [key, english] of Object.entries(en)) {
      if (same.has(key)) continue;
      expect(CATALOGUES.fi[key as keyof typeof en], `fi ${key}`).not.to.equal(english);
      expect(CATALOGUES.sv[key as keyof typeof en], `sv ${key}`).not.to.equal(english);
    }
  });

  it('no customer-facing text is written into a template: every word comes from the catalogue or the action', () => {
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.ejs'))) {
      expect(fixedText(readFileSync(`${VIEWS_DIR}${file}`, 'utf8')), file).to.deep.equal([]);
    }
  });

  it('the sample API registry describes every API, scope and attribute in Finnish and Swedish too', () => {
    for (const api of sampleApis) {
      expect(api.names, api.id).to.have.keys('fi', 'sv');
      for (const scope of api.scopes) expect(scope.descriptions, scope.name).to.have.keys('fi', 'sv');
      for (const attribute of api.extraAttributes) expect(attribute.descriptions, attribute.name).to.have.keys('fi', 'sv');
    }
  });
});
