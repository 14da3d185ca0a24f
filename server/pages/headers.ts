import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

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
export function setPageHeaders(
  ctx: Context,
  formTargets: readonly string[] = [],
  options: { scriptSrc?: string; imgSrc?: readonly string[] } = {},
): void {
  const formAction = ["'self'", ...formTargets].join(' ');
  const scriptSrc = options.scriptSrc ? `; script-src ${options.scriptSrc}` : '';
  // the one exception to "nothing from third parties": the logo a client registered (consent page)
  const imgSrc = options.imgSrc?.length ? ` ${options.imgSrc.join(' ')}` : '';
  ctx.set(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'self'; img-src 'self'${imgSrc}${scriptSrc}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY'); // for browsers older than CSP frame-ancestors
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

const AUTHORIZATION_ENDPOINT = /^\/auth(?:\/|$)/;

export function isAuthorizationEndpoint(ctx: Context): boolean {
  return AUTHORIZATION_ENDPOINT.test(ctx.path);
}

/**
 * oidc-provider's own HTML at the authorization endpoint gets the page headers too. Valtuus'
 * form_post page (form_post.ts) sets its own; should oidc-provider write a page with an inline
 * script, it adds that script's hash to a script-src it finds, and the form posts to the
 * redirect URI, which form-action must then allow.
 */
export async function authorizationEndpointHeaders(ctx: Context, next: () => Promise<void>): Promise<void> {
  setPageHeaders(ctx, [], { scriptSrc: "'self'" });
  await next();
  const scriptSrc = /script-src ([^;]*'sha256-[^;]*)/.exec(ctx.response.get('Content-Security-Policy'))?.[1];
  if (!scriptSrc) return;
  const params = (ctx as Partial<KoaContextWithOIDC>).oidc?.params;
  const target = formActionSource(typeof params?.redirect_uri === 'string' ? params.redirect_uri : undefined);
  setPageHeaders(ctx, target ? [target] : [], { scriptSrc });
}
