import type { Context } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import type { MessageKey } from './i18n/catalogue.ts';
import type { LocaleHints } from './i18n/negotiate.ts';
import type { PageLanguage, Pages } from './kit.ts';

/** The cases a customer can meet, each with its own heading and one sentence (README "Error pages"). */
export type ErrorCase = 'unknown_app' | 'wrong_return' | 'expired' | 'locked' | 'unavailable' | 'invalid' | 'server';

const TEXTS: Record<ErrorCase, { heading: MessageKey; text: MessageKey }> = {
  unknown_app: { heading: 'error.unknown_app.heading', text: 'error.unknown_app.text' },
  wrong_return: { heading: 'error.wrong_return.heading', text: 'error.wrong_return.text' },
  expired: { heading: 'error.expired.heading', text: 'error.expired.text' },
  locked: { heading: 'error.locked.heading', text: 'error.locked.text' },
  unavailable: { heading: 'error.unavailable.heading', text: 'error.unavailable.text' },
  invalid: { heading: 'error.invalid.heading', text: 'error.invalid.text' },
  server: { heading: 'error.server.heading', text: 'error.server.text' },
};

interface ExposedError {
  status?: number;
  expose?: boolean;
  error?: string;
}

/** Which case an OAuth error code (and status) is, for a person: never oidc-provider's own wording. */
export function errorCase(status: number, code: string, caught?: unknown): ErrorCase {
  if (caught instanceof errors.SessionNotFound || code === 'expired_login') return 'expired';
  if (code === 'invalid_client') return 'unknown_app';
  if (code === 'invalid_redirect_uri') return 'wrong_return';
  if (status === 503 || code === 'temporarily_unavailable') return 'unavailable';
  if (status === 403) return 'expired'; // a form whose token no longer matches: the sign-in it belonged to is over
  return status >= 500 ? 'server' : 'invalid';
}

export interface ErrorPage {
  status: number;
  code: string;
  case: ErrorCase;
  /** values the case's sentence needs (the lock policy) */
  params?: Record<string, string | number>;
  /** where the language switcher shows this page again */
  here?: string;
}

/** The one error page for people: a heading and one sentence in their language, the request id as reference, the bank's contact. */
export async function showErrorPage(pages: Pages, ctx: Context, language: PageLanguage, page: ErrorPage): Promise<void> {
  const { t } = language;
  const texts = TEXTS[page.case];
  const heading = t(texts.heading, page.params);
  await pages.render(ctx, language, {
    view: 'error',
    title: heading,
    status: page.status,
    ...(page.here ? { here: page.here } : {}),
    locals: { heading, text: t(texts.text, page.params), reference: String(ctx.state.requestId ?? '-'), code: page.code },
  });
}

/** oidc-provider's `renderError`: when a browser flow fails at one of its endpoints; never a stack trace. */
export function providerErrorPage(pages: Pages) {
  return async function renderErrorPage(ctx: KoaContextWithOIDC, out: { error: string }, caught?: unknown): Promise<void> {
    const language = pages.language(ctx, { uiLocales: ctx.oidc?.params?.ui_locales });
    await showErrorPage(pages, ctx, language, { status: ctx.status, code: out.error, case: errorCase(ctx.status, out.error, caught) });
  };
}

/**
 * Failures on Valtuus' own pages end on the same page: exposed errors (oidc-provider's, a
 * missing cookie, a stale form, the store being down) with their own status; anything else
 * as a generic server_error, logged with the request id.
 */
export async function withErrorPage(
  pages: Pages,
  ctx: Context,
  hints: () => LocaleHints & { here?: string },
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (caught) {
    const err = caught as ExposedError;
    const exposed = Boolean(err?.expose) && typeof err.status === 'number';
    if (!exposed) ctx.state.log?.error({ err: caught }, 'interaction failed');
    const status = exposed ? err.status! : 500;
    const code = exposed ? (err.error ?? 'invalid_request') : 'server_error';
    const { here, ...localeHints } = hints();
    await showErrorPage(pages, ctx, pages.language(ctx, localeHints), {
      status,
      code,
      case: errorCase(status, code, caught),
      ...(here ? { here } : {}),
    });
  }
}
