import type { Context } from 'koa';

import { isLocale, matchLocale, type Locale } from '../../../config/locales.ts';

/** Set by the language switcher on every page; not signed: it only ever holds a language. */
export const LANGUAGE_COOKIE = 'valtuus_lang';
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

export interface LocaleHints {
  /** the authorization request's `ui_locales` (OIDC Core §3.1.2.1): space-separated, in order of preference */
  uiLocales?: unknown;
  /** a language the customer picked earlier in this same sign-in */
  chosen?: Locale | undefined;
}

/** The language the switcher asked for on this request (`?lang=sv`), remembered in the cookie. */
export function switchedLocale(ctx: Context): Locale | undefined {
  const asked = ctx.query.lang;
  if (!isLocale(asked)) return undefined;
  ctx.cookies.set(LANGUAGE_COOKIE, asked, { signed: false, httpOnly: true, sameSite: 'lax', maxAge: ONE_YEAR_MS, overwrite: true });
  return asked;
}

function firstOf(tags: readonly string[]): Locale | undefined {
  for (const tag of tags) {
    const locale = matchLocale(tag);
    if (locale) return locale;
  }
  return undefined;
}

function fromUiLocales(value: unknown): Locale | undefined {
  return typeof value === 'string' ? firstOf(value.split(' ')) : undefined;
}

const COOKIE_VALUE = new RegExp(`(?:^|;\\s*)${LANGUAGE_COOKIE}=([a-z]{2})(?:;|$)`);

/**
 * Read from the header itself: an error page may be drawn after the request's socket is gone
 * (a form too large), when Koa's cookie jar can no longer be made.
 */
function fromCookie(ctx: Context): Locale | undefined {
  const value = COOKIE_VALUE.exec(ctx.get('cookie'))?.[1];
  return isLocale(value) ? value : undefined;
}

/** Accept-Language in the browser's order of preference; `*` says nothing, so it falls through. */
function fromAcceptLanguage(ctx: Context): Locale | undefined {
  return firstOf(ctx.acceptsLanguages().filter((tag) => tag !== '*'));
}

/**
 * The page's language (docs/i18n.md): what the switcher asks for now or was asked for earlier in
 * this sign-in, then `ui_locales`, then the language cookie, then Accept-Language, then the default.
 */
export function chooseLocale(ctx: Context, defaultLocale: Locale, hints: LocaleHints = {}): Locale {
  return (
    switchedLocale(ctx) ?? hints.chosen ?? fromUiLocales(hints.uiLocales) ?? fromCookie(ctx) ?? fromAcceptLanguage(ctx) ?? defaultLocale
  );
}

/** At the authorization endpoint after a sign-in: the language picked during it (interactions/context.ts `languageResult`). */
export function chosenInSignIn(ctx: Context): Locale | undefined {
  const oidc = (ctx as Context & { oidc?: { entities?: { Interaction?: { result?: { valtuus_lang?: unknown } } } } }).oidc;
  const chosen = oidc?.entities?.Interaction?.result?.valtuus_lang;
  return isLocale(chosen) ? chosen : undefined;
}
