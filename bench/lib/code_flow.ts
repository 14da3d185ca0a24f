import { createHash, randomBytes } from 'node:crypto';

import type { CodeFlowSetup } from '../targets/types.ts';
import { CookieJar } from './cookies.ts';
import type { Customer } from './customers.ts';
import { chooseForm, fillForm, formKind, pageSummary, parseForms, type Answers, type FormKind } from './forms.ts';
import { send, type HttpAnswer } from './http.ts';
import { basicAuth, describeResponse, formResponse } from './net.ts';

/** What the flow needs of the client: its credentials and what it asks for (not the customers). */
export type FlowClient = Omit<CodeFlowSetup, 'customers'>;

const MAX_HOPS = 16; // /auth, login, code, consent and their redirects take about ten

export class FlowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowError';
  }
}

interface Hop {
  url: URL;
  method: 'GET' | 'POST';
  body?: URLSearchParams;
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function authorizationUrl(baseUrl: string, setup: FlowClient, state: string, verifier: string): URL {
  const url = new URL('/auth', baseUrl);
  url.search = new URLSearchParams({
    client_id: setup.clientId,
    response_type: 'code',
    redirect_uri: setup.redirectUri,
    scope: setup.scope,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

function request(hop: Hop, jar: CookieJar): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'text/html' };
  const cookie = jar.header(hop.url);
  if (cookie) headers.cookie = cookie;
  if (hop.body === undefined) return send(hop.url, { method: hop.method, headers });
  headers['content-type'] = 'application/x-www-form-urlencoded';
  return send(hop.url, { method: hop.method, headers, body: hop.body.toString() });
}

/** The code from the redirect back to the client, after checking state (RFC 6749 §4.1.2). */
function codeFromRedirect(location: URL, state: string): string {
  const params = location.searchParams;
  if (params.get('error')) throw new FlowError(`authorization failed: ${params.get('error')}: ${params.get('error_description') ?? ''}`);
  if (params.get('state') !== state) throw new FlowError('the redirect back carried the wrong state');
  const code = params.get('code');
  if (!code) throw new FlowError('the redirect back carried no code');
  return code;
}

/** Follows redirects and fills each page's form as the customer would, until the redirect back to the client. */
async function authorize(start: URL, setup: FlowClient, state: string, answers: Answers, steps: FormKind[]): Promise<string> {
  const jar = new CookieJar();
  let hop: Hop = { url: start, method: 'GET' };
  let lastKind: FormKind | undefined;
  for (let i = 0; i < MAX_HOPS; i++) {
    const res = await request(hop, jar);
    jar.store(hop.url, res.headers['set-cookie']);
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, hop.url);
      if (next.href.startsWith(setup.redirectUri)) return codeFromRedirect(next, state);
      hop = { url: next, method: 'GET' };
      continue;
    }
    const html = res.body;
    if (res.status !== 200) throw new FlowError(`${hop.method} ${hop.url.pathname} answered ${res.status}: ${pageSummary(html)}`);
    const form = chooseForm(parseForms(html));
    if (!form) throw new FlowError(`no form to go on with at ${hop.url.pathname}: "${pageSummary(html)}"`);
    const kind = formKind(form);
    // the same step twice in a row means the server refused what was sent
    if (kind === lastKind) throw new FlowError(`${kind} refused: "${pageSummary(html)}"`);
    lastKind = kind;
    steps.push(kind);
    const action = new URL(form.action || hop.url.href, hop.url);
    hop = { url: action, method: form.method === 'post' ? 'POST' : 'GET', body: fillForm(form, answers) };
  }
  throw new FlowError(`no redirect back to the client after ${MAX_HOPS} hops`);
}

/**
 * One customer's full authorization code flow through the server's own pages, like a browser
 * without JavaScript: /auth → login → one-time code → consent → code → POST /token (PKCE S256).
 * `steps` receives the kind of each form filled on the way, in order.
 */
export async function codeFlow(
  baseUrl: string,
  setup: FlowClient,
  customer: Customer,
  oneTimeCode: () => string,
  steps: FormKind[] = [],
): Promise<Record<string, unknown>> {
  const state = randomToken();
  const verifier = randomToken();
  const answers = { username: customer.username, password: customer.password, oneTimeCode };
  const code = await authorize(authorizationUrl(baseUrl, setup, state, verifier), setup, state, answers, steps);
  const res = await send(new URL('/token', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(setup.clientId, setup.secret) },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: setup.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  const answer = formResponse(res.status, res.body);
  if (answer.status !== 200 || typeof answer.body.access_token !== 'string')
    throw new FlowError(`code exchange refused: ${describeResponse(answer)}`);
  return answer.body;
}
