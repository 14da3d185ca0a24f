import type { Context } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import { renderPage } from './render.ts';

const HEADING = 'Something went wrong';
const GENERIC = 'The request could not be completed.';
const SESSION_ENDED = 'This sign-in has expired or has already finished. Return to the application and start again.';

interface ExposedError {
  status?: number;
  expose?: boolean;
  error?: string;
  error_description?: string;
  message?: string;
}

/** The one error page for people: a heading, one sentence, and the error code as a reference. */
async function showErrorPage(ctx: Context, status: number, description: string, code: string): Promise<void> {
  await renderPage(ctx, { view: 'error', title: HEADING, status, locals: { heading: HEADING, description, code } });
}

/** oidc-provider's `renderError`: when a browser flow fails at one of its endpoints; never a stack trace. */
export async function renderErrorPage(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string | undefined },
): Promise<void> {
  await showErrorPage(ctx, ctx.status, out.error_description ?? GENERIC, out.error);
}

/**
 * Failures on Valtuus' own pages end on the same page: exposed errors (oidc-provider's, a
 * missing cookie, a stale form, the store being down) with their own status and message;
 * anything else as a generic server_error, logged with the request id.
 */
export async function withErrorPage(ctx: Context, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (caught) {
    const err = caught as ExposedError;
    const exposed = Boolean(err?.expose) && typeof err.status === 'number';
    if (!exposed) {
      ctx.state.log?.error({ err: caught }, 'interaction failed');
      return showErrorPage(ctx, 500, GENERIC, 'server_error');
    }
    // oidc-provider's wording ("interaction session id cookie not found") means nothing to a customer
    const description = caught instanceof errors.SessionNotFound ? SESSION_ENDED : (err.error_description ?? err.message ?? GENERIC);
    return showErrorPage(ctx, err.status!, description, err.error ?? 'invalid_request');
  }
}
