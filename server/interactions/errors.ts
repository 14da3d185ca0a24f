import type { Context } from 'koa';

import { errors } from 'oidc-provider';

import { renderPage } from './render.ts';

const SESSION_ENDED = 'This sign-in has expired or has already finished. Return to the application and start again.';

interface ExposedError {
  status?: number;
  expose?: boolean;
  error?: string;
  error_description?: string;
  message?: string;
}

/**
 * Failures on the interaction pages end on the error page: exposed errors (oidc-provider's,
 * a missing cookie, a stale form, the store being down) with their own status and message;
 * anything else as a generic server_error, logged with the request id.
 */
export async function withErrorPage(ctx: Context, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (caught) {
    const err = caught as ExposedError;
    const exposed = Boolean(err?.expose) && typeof err.status === 'number';
    // oidc-provider's wording ("interaction session id cookie not found") means nothing to a customer
    if (caught instanceof errors.SessionNotFound) err.error_description = SESSION_ENDED;
    if (!exposed) ctx.state.log?.error({ err: caught }, 'interaction failed');
    await renderPage(ctx, {
      view: 'error',
      title: 'Something went wrong',
      status: exposed ? err.status : 500,
      locals: {
        heading: 'Something went wrong',
        description: exposed ? (err.error_description ?? err.message) : 'The request could not be completed.',
        code: exposed ? (err.error ?? 'invalid_request') : 'server_error',
      },
    });
  }
}
