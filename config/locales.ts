/** The languages of every customer page (docs/i18n.md): Finnish, Swedish and English. */
export const LOCALES = ['fi', 'sv', 'en'] as const;

export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** A BCP 47 tag ("fi-FI", "sv", "en-GB") to the supported language with its primary subtag, if any. */
export function matchLocale(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : undefined;
}
