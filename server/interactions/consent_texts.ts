import type { Interaction } from 'oidc-provider';

import type { Locale } from '../../config/locales.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { formatDate, formatDuration } from '../pages/i18n/format.ts';

// as token/refresh.ts: a grant of OpenID scopes only ends after 14 days
const IDENTITY_ONLY_LIFETIME = 14 * 24 * 3600;

/** The registry's text in the page's language: its Finnish or Swedish translation, else the English original. */
export function inLanguage(locale: Locale, english: string, translations?: { fi?: string | undefined; sv?: string | undefined }): string {
  return (locale === 'en' ? undefined : translations?.[locale]) ?? english;
}

/**
 * How long what the customer allows now lasts: the shortest consent lifetime (`refreshTokenTtl`,
 * the refresh chain's end) of the APIs asked for. After it the application needs a new
 * authorization with strong authentication (PSD2 RTS art. 10 as amended by (EU) 2022/2360).
 */
export function consentLifetime(registry: ApiRegistry, interaction: Interaction, locale: Locale): { duration: string; until: string } {
  const scopes = String(interaction.params.scope ?? '').split(' ');
  const lifetimes = [...registry.apisOf(scopes)].map((api) => api.refreshTokenTtl);
  const seconds = lifetimes.length ? Math.min(...lifetimes) : IDENTITY_ONLY_LIFETIME;
  return { duration: formatDuration(locale, seconds), until: formatDate(locale, Math.floor(Date.now() / 1000) + seconds) };
}
