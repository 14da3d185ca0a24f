import type { KoaContextWithOIDC } from 'oidc-provider';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => escapes[c]!);

/** A plain, readable page for people when a browser flow fails; never a stack trace. */
export async function renderErrorPage(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  const description = out.error_description ?? 'The request could not be completed.';
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Something went wrong</title></head>
<body><main><h1>Something went wrong</h1><p>${escapeHtml(description)}</p><p>Error code: <code>${escapeHtml(out.error)}</code></p><p>Please return to the application and try again.</p></main></body></html>`;
}
