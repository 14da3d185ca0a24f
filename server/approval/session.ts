import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { Context } from 'koa';
import { errors } from 'oidc-provider';

import type { Store } from '../../adapters/types.ts';

/**
 * The approval page's own sign-in, kept server-side under a random id in a signed cookie
 * scoped to /approve. `pendingSub` is set after a right password, `sub` only after the
 * one-time code as well (the same two factors as the login pages).
 */
export interface ApprovalSession {
  id: string;
  csrf: string;
  pendingSub?: string | undefined;
  sub?: string | undefined;
  authTime?: number | undefined;
  flash?: string | undefined;
  username?: string | undefined;
}

const COOKIE = 'valtuus.approve';
const PATH = '/approve';
const SESSION_SECONDS = 600; // idle sign-ins end after ten minutes

function isSession(value: unknown): value is Omit<ApprovalSession, 'id'> {
  return typeof (value as ApprovalSession | undefined)?.csrf === 'string';
}

const newId = () => randomBytes(32).toString('base64url');

export class ApprovalSessions {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get #adapter() {
    return this.#store.adapter('ApprovalSession');
  }

  /** The browser's session, or a fresh anonymous one (saved, so its form token holds). */
  async load(ctx: Context): Promise<ApprovalSession> {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    const found = id ? await this.#adapter.find(id) : undefined;
    // a sign-in lasts SESSION_SECONDS from the second factor, however busy the page
    const fresh = isSession(found) && (found.authTime ?? Infinity) > Date.now() / 1000 - SESSION_SECONDS;
    if (id && isSession(found) && fresh) return { ...found, id };
    const anonymous = { id: newId(), csrf: newId() };
    await this.save(ctx, anonymous);
    return anonymous;
  }

  async save(ctx: Context, session: ApprovalSession): Promise<void> {
    const { id, ...state } = session;
    await this.#adapter.upsert(id, state, SESSION_SECONDS);
    ctx.cookies.set(COOKIE, id, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: PATH,
      secure: ctx.secure,
      maxAge: SESSION_SECONDS * 1000,
      overwrite: true,
    });
  }

  /** After the second factor: a new id, so an id planted before sign-in is worth nothing after. */
  async signIn(ctx: Context, session: ApprovalSession, sub: string): Promise<void> {
    await this.#adapter.destroy(session.id);
    await this.save(ctx, { id: newId(), csrf: newId(), sub, authTime: Math.floor(Date.now() / 1000) });
  }

  async end(ctx: Context, session: ApprovalSession): Promise<void> {
    await this.#adapter.destroy(session.id);
    ctx.cookies.set(COOKIE, null, { path: PATH, overwrite: true });
  }
}

export function assertSessionCsrf(session: ApprovalSession, presented: unknown): void {
  const expected = Buffer.from(session.csrf);
  const actual = Buffer.from(typeof presented === 'string' ? presented : '');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    const err = new errors.InvalidRequest('the form has expired; open the approval page again');
    Object.assign(err, { status: 403, statusCode: 403 });
    throw err;
  }
}
