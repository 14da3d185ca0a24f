import type { Context } from 'koa';

import type { ConsentEntry } from '../../accounts/consents.ts';
import { formatDate } from '../../pages/i18n/format.ts';
import type { PageLanguage } from '../../pages/kit.ts';
import { permissionGroups } from '../consent_texts.ts';
import type { InteractionDeps } from '../context.ts';
import { APPS_PATHS } from './paths.ts';
import { saveSession, type LoadedSession } from './session.ts';

interface GrantPayload {
  openid?: { scope?: string };
  resources?: Record<string, string>;
}

/** What the grant holds, as the consent page named it: each API and each scope in words. */
async function describeApp(deps: InteractionDeps, entry: ConsentEntry, language: PageLanguage, n: number) {
  const [client, grant] = await Promise.all([
    deps.provider.Client.find(entry.clientId),
    deps.store.adapter('Grant').find(entry.grantId) as Promise<GrantPayload | undefined>,
  ]);
  const resourceScopes = Object.fromEntries(
    Object.entries(grant?.resources ?? {}).map(([resource, scope]) => [resource, scope.split(' ')]),
  );
  const groups = permissionGroups(
    deps.registry,
    { missingOIDCScope: (grant?.openid?.scope ?? '').split(' '), missingResourceScopes: resourceScopes },
    language,
  );
  return {
    id: `app-${n}`,
    clientId: entry.clientId,
    name: client?.clientName ?? entry.clientId,
    groups,
    since: formatDate(language.locale, entry.since),
    until: formatDate(language.locale, entry.until),
    lastUsed: entry.lastUsed ? formatDate(language.locale, entry.lastUsed) : language.t('apps.neverUsed'),
  };
}

export async function showApps(ctx: Context, deps: InteractionDeps, session: LoadedSession, language: PageLanguage): Promise<void> {
  const sub = session.state.sub!;
  const [account, entries] = await Promise.all([deps.accounts.findBySub(sub), deps.consents.list(sub)]);
  const notice = session.state.notice ?? '';
  if (notice) {
    delete session.state.notice;
    await saveSession(deps.store, session);
  }
  await deps.pages.render(ctx, language, {
    view: 'apps',
    title: language.t('apps.title'),
    locals: {
      username: account?.username ?? '',
      notice,
      apps: await Promise.all(entries.map((entry, n) => describeApp(deps, entry, language, n))),
      csrf: session.state.csrf,
      withdrawAction: APPS_PATHS.withdraw,
      signOutAction: APPS_PATHS.signOut,
    },
  });
}

/** One button per app: its tokens stop working at once, everywhere (accounts/consents.ts). */
export async function withdraw(
  deps: InteractionDeps,
  session: LoadedSession,
  form: URLSearchParams,
  language: PageLanguage,
): Promise<void> {
  const sub = session.state.sub!;
  const clientId = form.get('withdraw') ?? '';
  const grantId = await deps.consents.withdraw(sub, clientId);
  if (!grantId) return;
  const [account, client] = await Promise.all([deps.accounts.findBySub(sub), deps.provider.Client.find(clientId)]);
  deps.audit('consent.revoked', { sub, username: account?.username, client_id: clientId, grant_id: grantId, by: 'customer' });
  session.state = { ...session.state, notice: language.t('apps.withdrawn', { client: client?.clientName ?? clientId }) };
  await saveSession(deps.store, session);
}
