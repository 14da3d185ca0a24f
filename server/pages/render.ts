import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import ejs from 'ejs';

import type { Locale } from '../../config/locales.ts';
import type { Translate } from './i18n/catalogue.ts';

export const STYLESHEET_PATH = '/assets/valtuus.css';

/** views/ beside the sources, or beside dist/ once compiled. */
function viewsDirectory(): string {
  for (const relative of ['../../views/', '../../../views/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}layout.ejs`)) return dir;
  }
  throw new Error('views/ not found next to the server code');
}

export const VIEWS_DIR = viewsDirectory();

// compiled once: templates do not change while the server runs (and no file is looked up per page)
const templates = new Map<string, ejs.TemplateFunction>();
function template(view: string): ejs.TemplateFunction {
  let compiled = templates.get(view);
  if (!compiled) {
    const filename = join(VIEWS_DIR, `${view}.ejs`);
    compiled = ejs.compile(readFileSync(filename, 'utf8'), { filename, cache: true });
    templates.set(view, compiled);
  }
  return compiled;
}

/** What the layout shows around every page: prepared by the page kit (kit.ts), never by a template. */
export interface LayoutLocals {
  lang: Locale;
  /** the tab title, the bank's name included */
  documentTitle: string;
  t: Translate;
  brand: {
    name: string;
    demo: boolean;
    supportPhone: string;
    supportUrl: string;
    privacyUrl: string;
    termsUrl: string;
    logo: string;
    favicon: string;
    faviconType: string;
  };
  stylesheets: readonly string[];
  scripts: readonly string[];
  languages: readonly { locale: Locale; name: string; href: string; current: boolean }[];
}

/**
 * Renders views/<view>.ejs inside the layout and returns the HTML. Every page template gets `t`
 * (the page language's texts) and `brand` beside its own locals, and nothing else: a template
 * sees only what the page kit (kit.ts) prepared.
 */
export async function renderDocument(view: string, locals: object, layout: LayoutLocals): Promise<string> {
  const body = template(view)({ ...locals, t: layout.t, brand: layout.brand, lang: layout.lang });
  return template('layout')({ ...layout, body });
}
