import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import views from 'koa-views';

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

// compiled templates are cached: they do not change while the server runs
const viewsMiddleware = views(VIEWS_DIR, { extension: 'ejs', autoRender: false, options: { cache: true } });

type Renderable = { render?: (view: string, locals?: object) => Promise<unknown>; state?: object; response: object };

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
  languages: readonly { locale: Locale; name: string; href: string; current: boolean }[];
}

/**
 * Renders views/<view>.ejs inside the layout and returns the HTML. The target is a Koa context,
 * or for the template tests any object with a `response`: koa-views attaches `render` to both.
 * Every page template gets `t` (the page language's texts) and `brand` beside its own locals.
 */
export async function renderDocument(target: Renderable, view: string, locals: object, layout: LayoutLocals): Promise<string> {
  if (typeof target.render !== 'function') await viewsMiddleware(target as never, async () => {});
  const render = target.render!;
  const body = String(await render(view, { ...locals, t: layout.t, brand: layout.brand, lang: layout.lang }));
  return String(await render('layout', { ...layout, body }));
}
