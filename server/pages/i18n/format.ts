import type { Locale } from '../../../config/locales.ts';

const UNITS: readonly [unit: 'day' | 'hour' | 'minute' | 'second', seconds: number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

// an Intl formatter is costly to make and the same for every page of a language: made once per locale and unit
const numberFormats = new Map<string, Intl.NumberFormat>();
function unitFormat(locale: Locale, unit: string): Intl.NumberFormat {
  const key = `${locale} ${unit}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' })));
  return format;
}
const dateFormats = new Map<Locale, Intl.DateTimeFormat>();

/** A lifetime in words ("180 days", "180 päivää", "180 dygn"), in the largest unit that divides it evenly, from CLDR. */
export function formatDuration(locale: Locale, seconds: number): string {
  const whole = Math.max(1, Math.round(seconds));
  const [unit, size] = UNITS.find(([, size]) => whole >= size && whole % size === 0) ?? ['second', 1];
  const words = unitFormat(locale, unit).format(whole / size);
  // CLDR's Swedish day is "dygn" (24 hours); people say "dagar" of a consent or a lock
  return locale === 'sv' ? words.replace(/\bdygn\b/, whole === 86_400 ? 'dag' : 'dagar') : words;
}

/** A wait rounded up to whole minutes ("15 minutes"); a customer does not count seconds. */
export function formatMinutes(locale: Locale, seconds: number): string {
  return unitFormat(locale, 'minute').format(Math.max(1, Math.ceil(seconds / 60)));
}

/** A day in the customer's language ("1 June 2027", "1. kesäkuuta 2027"), in Finland's time zone. */
export function formatDate(locale: Locale, epochSeconds: number): string {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { dateStyle: 'long', timeZone: 'Europe/Helsinki' });
    dateFormats.set(locale, format);
  }
  return format.format(new Date(epochSeconds * 1000));
}
