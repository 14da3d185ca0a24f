import type { Locale } from '../../../config/locales.ts';

const UNITS: readonly [unit: 'day' | 'hour' | 'minute' | 'second', seconds: number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** A lifetime in words ("180 days", "180 päivää", "180 dygn"), in the largest unit that divides it evenly, from CLDR. */
export function formatDuration(locale: Locale, seconds: number): string {
  const whole = Math.max(1, Math.round(seconds));
  const [unit, size] = UNITS.find(([, size]) => whole >= size && whole % size === 0) ?? ['second', 1];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(whole / size);
}

/** A wait rounded up to whole minutes ("15 minutes"); a customer does not count seconds. */
export function formatMinutes(locale: Locale, seconds: number): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(Math.max(1, Math.ceil(seconds / 60)));
}

/** A day in the customer's language ("1 June 2027", "1. kesäkuuta 2027"), in Finland's time zone. */
export function formatDate(locale: Locale, epochSeconds: number): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { dateStyle: 'long', timeZone: 'Europe/Helsinki' }).format(
    new Date(epochSeconds * 1000),
  );
}
