import type { Context } from 'koa';

import type { Branding } from '../../config/branding.ts';
import { LOCALES, type Locale } from '../../config/locales.ts';
import { setPageHeaders } from './headers.ts';
import { translate, type MessageKey, type MessageParams, type Translate } from './i18n/catalogue.ts';
import { chooseLocale, type LocaleHints } from './i18n/negotiate.ts';
import { brandAssets, BRAND_STYLESHEET_PATH } from './assets.ts';
import { renderDocument, STYLESHEET_PATH, type LayoutLocals } from './render.ts';

export interface PageSettings {
  defaultLocale: Locale;
  branding: Branding;
}

/** The language one response is in. */
export interface PageLanguage {
  locale: Locale;
  t: Translate;
}

export interface Page {
  view: string;
  /** the page's own title; the kit adds the bank's name, and "Error:" when `hasError` */
  title: string;
  locals: object;
  status?: number;
  formTargets?: readonly string[];
  /** origins the page shows an image from besides its own: the logo a client registered (consent page) */
  imageSources?: readonly string[];
  /** a form on the page was refused: the title says so (WCAG 2.2 §3.3.1) */
  hasError?: boolean;
  /** the address that shows this page again, for the language switcher; the request's own for a GET */
  here?: string;
  /** no language switcher (a page that cannot be shown again) */
  switcher?: false;
  /** scripts from this server (script-src 'self'); pages work without them */
  scripts?: readonly string[];
}

/** The address of this page in another language: the same path and query, with `lang` set. */
function switchTo(ctx: Context, here: string | undefined, locale: Locale): string {
  const base = here ?? (ctx.method === 'GET' || ctx.method === 'HEAD' ? ctx.originalUrl : ctx.path);
  const url = new URL(base, 'http://page.invalid');
  url.searchParams.set('lang', locale);
  return `${url.pathname}${url.search}`;
}

/** The page toolkit, made once per app: each page's language, the bank's branding, the layout. */
export class Pages {
  readonly settings: PageSettings;

  constructor(settings: PageSettings) {
    this.settings = settings;
  }

  /** The language of this response, with texts that know the bank's name and support number. */
  language(ctx: Context, hints: LocaleHints = {}): PageLanguage {
    const locale = chooseLocale(ctx, this.settings.defaultLocale, hints);
    const { name: bank } = this.settings.branding;
    const phone = this.settings.branding.supportPhone.replace(/ /g, '\u00a0'); // a number never breaks across lines
    return { locale, t: (key: MessageKey, params?: MessageParams) => translate(locale, key, { bank, phone, ...params }) };
  }

  layout(ctx: Context, language: PageLanguage, page: Page): LayoutLocals {
    const { branding } = this.settings;
    const { t } = language;
    const title = page.hasError ? t('layout.errorTitle', { title: page.title }) : page.title;
    return {
      lang: language.locale,
      documentTitle: `${title} – ${branding.name}`,
      t,
      brand: {
        name: branding.name,
        demo: branding.demo,
        supportPhone: branding.supportPhone,
        supportUrl: branding.supportUrl,
        privacyUrl: branding.privacyUrl,
        termsUrl: branding.termsUrl,
        ...brandAssets(branding),
      },
      stylesheets: [STYLESHEET_PATH, BRAND_STYLESHEET_PATH],
      scripts: page.scripts ?? [],
      languages: (page.switcher === false ? [] : LOCALES).map((locale) => ({
        locale,
        name: translate(locale, 'language.name'),
        href: switchTo(ctx, page.here, locale),
        current: locale === language.locale,
      })),
    };
  }

  /** Responds with a page in the given language and the headers every page carries. */
  async render(ctx: Context, language: PageLanguage, page: Page): Promise<void> {
    const html = await renderDocument(page.view, page.locals, this.layout(ctx, language, page));
    ctx.status = page.status ?? 200;
    setPageHeaders(ctx, page.formTargets, {
      ...(page.scripts?.length ? { scriptSrc: "'self'" } : {}),
      ...(page.imageSources ? { imgSrc: page.imageSources } : {}),
    });
    ctx.set('Content-Language', language.locale);
    ctx.type = 'html';
    ctx.body = html;
  }
}
