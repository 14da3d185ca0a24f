import type { KoaContextWithOIDC } from 'oidc-provider';

import { renderPage } from '../interactions/render.ts';

/** A plain, readable page for people when a browser flow fails; never a stack trace. */
export async function renderErrorPage(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  await renderPage(ctx, {
    view: 'error',
    title: 'Something went wrong',
    status: ctx.status,
    locals: {
      heading: 'Something went wrong',
      description: out.error_description ?? 'The request could not be completed.',
      code: out.error,
    },
  });
}
