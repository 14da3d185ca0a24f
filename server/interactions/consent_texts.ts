import type { Interaction } from 'oidc-provider';

import type { Locale } from '../../config/locales.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import { formatDate, formatDuration } from '../pages/i18n/format.ts';
import type { PageLanguage } from '../pages/kit.ts';

export interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

export interface PermissionGroup {
  id: string;
  name: string;
  scopes: { name: string; description: string }[];
}

// OpenID Connect's own scopes, described for customers
const IDENTITY_SCOPES = { openid: 'scope.openid', offline_access: 'scope.offline_access' } as const;

function identityScope(scope: string): scope is keyof typeof IDENTITY_SCOPES {
  return Object.hasOwn(IDENTITY_SCOPES, scope);
}

/** Only what is new: the scopes this authorization asks for that no earlier consent covered, by API. */
export function permissionGroups(registry: ApiRegistry, details: ConsentDetails, language: PageLanguage): PermissionGroup[] {
  const asked = new Set([...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()]);
  const groups = new Map<string, PermissionGroup>();
  const groupFor = (id: string, name: string) => {
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { id: `perm-${id}`, name, scopes: [] }));
    return group;
  };
  for (const scope of asked) {
    const api = registry.byScope(scope);
    const defined = api?.scopes.find((s) => s.name === scope);
    const description = defined
      ? inLanguage(language.locale, defined.description, defined.descriptions)
      : identityScope(scope)
        ? language.t(IDENTITY_SCOPES[scope])
        : undefined;
    if (!description) continue;
    const groupName = api ? inLanguage(language.locale, api.name, api.names) : language.t('consent.identity');
    groupFor(api ? api.id : 'identity', groupName).scopes.push({ name: scope, description });
  }
  return [...groups.values()];
}

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
