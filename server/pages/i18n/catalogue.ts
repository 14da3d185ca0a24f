import type { Locale } from '../../../config/locales.ts';
import { en } from './en.ts';
import { fi } from './fi.ts';
import { sv } from './sv.ts';

export type MessageKey = keyof typeof en;

/** A language's catalogue: exactly the English keys, each a text (checked by the compiler). */
export type Messages = { readonly [K in MessageKey]: string };

export type MessageParams = Readonly<Record<string, string | number>>;

/** Translates one key; templates get it as `t`. */
export type Translate = (key: MessageKey, params?: MessageParams) => string;

/**
 * A tiny typed catalogue rather than an i18n library: three languages and about sixty texts,
 * whose keys the compiler checks in every language, and whose numbers, dates and lists come
 * from the runtime's own Intl (CLDR) data. See docs/i18n.md.
 */
export const CATALOGUES: Readonly<Record<Locale, Messages>> = Object.freeze({ fi, sv, en });

const PLACEHOLDER = /\{(\w+)\}/g;

export function translate(locale: Locale, key: MessageKey, params: MessageParams = {}): string {
  const text = CATALOGUES[locale][key];
  return text.replace(PLACEHOLDER, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

/** The `{name}`s a text expects, for the test that every language fills the same ones. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).sort();
}
