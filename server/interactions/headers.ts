import type { Context } from 'koa';

/**
 * A CSP source for where a form's redirects may end: the client's redirect URI. Browsers
 * apply `form-action` to every redirect after a form POST, and the last one goes to the TPP.
 */
export function formActionSource(redirectUri: string | undefined): string | undefined {
  if (!redirectUri) return undefined;
  try {
    const url = new URL(redirectUri);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
    return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined; // native apps' private-use schemes
  } catch {
    return undefined;
  }
}

/** The headers of every HTML page: nothing from third parties, no framing, no referrer, no caching. */
export function setPageHeaders(ctx: Context, formTargets: readonly string[] = []): void {
  const formAction = ["'self'", ...formTargets].join(' ');
  ctx.set(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY'); // for browsers older than CSP frame-ancestors
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}
