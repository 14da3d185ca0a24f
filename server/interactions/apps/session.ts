import { randomBytes } from 'node:crypto';

import type { Context } from 'koa';

import type { Store } from '../../../adapters/types.ts';
import { csrfMatches, type StepState } from '../state.ts';
import { APPS_PATH } from './paths.ts';

const COOKIE = 'valtuus_account';
// a sign-in to the page lasts a quarter of an hour, then both factors are asked again
const SESSION_SECONDS = 15 * 60;

/** The page's own sign-in, kept server-side under a random id in a cookie scoped to the page. */
export interface AppsSession extends StepState {
  /** set once both factors succeeded: the customer whose apps the page shows */
  sub?: string;
  notice?: string;
}

export interface LoadedSession {
  id: string;
  state: AppsSession;
}

function adapter(store: Store) {
  return store.adapter('AccountAppsSession');
}

export async function loadSession(ctx: Context, store: Store): Promise<LoadedSession> {
  const id = ctx.cookies.get(COOKIE, { signed: false });
  const found = id && /^[\w-]{43}$/.test(id) ? await adapter(store).find(id) : undefined;
  if (id && typeof found?.csrf === 'string') return { id, state: found as unknown as AppsSession };
  const fresh = { id: randomBytes(32).toString('base64url'), state: { csrf: randomBytes(32).toString('base64url') } };
  await saveSession(store, fresh);
  ctx.cookies.set(COOKIE, fresh.id, {
    signed: false,
    httpOnly: true,
    sameSite: 'lax',
    path: APPS_PATH,
    secure: ctx.secure,
    overwrite: true,
  });
  return fresh;
}

export async function saveSession(store: Store, session: LoadedSession): Promise<void> {
  await adapter(store).upsert(session.id, { ...session.state }, SESSION_SECONDS);
}

export async function endSession(ctx: Context, store: Store, session: LoadedSession): Promise<void> {
  await adapter(store).destroy(session.id);
  ctx.cookies.set(COOKIE, '', { signed: false, httpOnly: true, sameSite: 'lax', path: APPS_PATH, maxAge: 0, overwrite: true });
}

export function sessionCsrfMatches(session: LoadedSession, presented: unknown): boolean {
  return csrfMatches(session.state, presented);
}
