import type { Context, Next } from 'koa';

import type { Config } from '../config/index.ts';
import type { SandboxCustomer } from './accounts/sandbox.ts';
import { currentTotp } from './accounts/totp.ts';
import { setPageHeaders } from './pages/headers.ts';
import { STYLESHEET_PATH } from './pages/render.ts';

export const DEMO_CALLBACK_PATH = '/demo/callback';
export const DEMO_CODE_PATH = '/demo/code';

export interface DemoWebApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  verifier: string;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The demo web app's own page: not the bank's, so plain English and no brand (README "Sandbox: the browser flow"). */
function callbackPage(title: string, sections: [heading: string, body: string][]): string {
  const parts = sections.map(([h, body]) => `<h2>${escapeHtml(h)}</h2>\n<pre class="scope">${escapeHtml(body)}</pre>`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Demo Budget App</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body><main class="card demo-callback"><h1>${escapeHtml(title)}</h1>
${parts.join('\n')}
</main></body></html>`;
}

/** The token request the demo app makes with the code: the same as the banner's curl, with the verifier of the printed link. */
async function exchange(config: Config, app: DemoWebApp, code: string): Promise<{ status: number; body: string; request: string }> {
  const form = { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, code_verifier: app.verifier };
  const request = `POST ${config.issuer}/token\nAuthorization: Basic base64(${app.clientId}:…)\n\n${new URLSearchParams(form)}`;
  const res = await fetch(`${config.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as it came
  }
  return { status: res.status, body, request: request.replace(code, `${code.slice(0, 6)}…`) };
}

/**
 * Sandbox only (an in-memory store, never production): the demo web app's redirect URI, which
 * shows the code and state and does the token exchange itself, and the demo customer's current
 * one-time code for a newcomer without an authenticator app.
 */
export function sandboxDemoRoutes(config: Config, app: DemoWebApp, customer: SandboxCustomer) {
  return async function sandboxDemo(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'GET') return next();
    if (ctx.path === DEMO_CODE_PATH) {
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${currentTotp(customer.totpSecret)}\n`;
      return undefined;
    }
    if (ctx.path !== DEMO_CALLBACK_PATH) return next();
    setPageHeaders(ctx);
    ctx.type = 'html';
    const { code, state, error, error_description: description } = ctx.query;
    if (typeof code !== 'string') {
      ctx.status = 400;
      ctx.body = callbackPage('The authorization did not give a code', [
        ['Authorization response', JSON.stringify({ error, error_description: description, state }, null, 2)],
      ]);
      return undefined;
    }
    const result = await exchange(config, app, code);
    ctx.body = callbackPage(result.status === 200 ? 'Signed in: the demo app has its tokens' : 'The code exchange failed', [
      ['Authorization response (RFC 6749 §4.1.2)', `code=${code.slice(0, 6)}…\nstate=${String(state)}\niss=${String(ctx.query.iss)}`],
      ['Token request the app made (RFC 6749 §4.1.3, RFC 7636 §4.5)', result.request],
      [`Token response (HTTP ${result.status})`, result.body],
    ]);
    return undefined;
  };
}
