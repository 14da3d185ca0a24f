import { createHash, randomBytes } from 'node:crypto';

import { accountServices } from '../../server/accounts/services.ts';
import { currentTotp } from '../../server/accounts/totp.ts';
import type { AppDeps } from '../../server/deps.ts';

/** Cookies by name and path, sent back on requests whose path they cover (enough for one host). */
export class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) || '/';
      const expired = attributes.some((a) => /^expires=thu, 01 jan 1970/i.test(a)) || value === '';
      if (expired) this.#cookies.delete(`${name}|${path}`);
      else this.#cookies.set(`${name}|${path}`, { name, value, path });
    }
  }

  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

/** A user agent without JavaScript: it keeps cookies and lets the caller follow redirects. */
export class Agent {
  readonly jar = new CookieJar();
  /** headers a browser would send on every request, such as Accept-Language */
  readonly headers: Record<string, string>;

  constructor(headers: Record<string, string> = {}) {
    this.headers = headers;
  }

  async request(url: URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', ...this.headers };
    const cookie = this.jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
    });
    this.jar.take(res);
    return res;
  }
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  html: string;
}

export interface AuthorizationParams {
  client_id: string;
  redirect_uri: string;
  scope: string;
  state?: string;
  [param: string]: string | undefined;
}

/**
 * One authorization request driven through the pages as a browser without JavaScript would:
 * every redirect is followed until a page shows, or until the client's redirect URI is reached.
 */
export class Flow {
  readonly agent: Agent;
  readonly issuer: string;
  readonly params: AuthorizationParams;
  readonly pkce: Pkce;
  /** the page the flow is on */
  page: Page | undefined;
  /** the authorization response, once the flow reached the redirect URI */
  callback: URL | undefined;
  /** every response on the way, for header checks */
  readonly responses: { url: URL; status: number; headers: Headers }[] = [];

  private constructor(issuer: string, params: AuthorizationParams, agent: Agent) {
    this.issuer = issuer;
    this.params = params;
    this.agent = agent;
    this.pkce = pkce();
  }

  static async start(issuer: string, params: AuthorizationParams, agent = new Agent()): Promise<Flow> {
    const flow = new Flow(issuer, { state: randomBytes(8).toString('hex'), ...params }, agent);
    const url = new URL('/auth', issuer);
    const query: Record<string, string> = {
      response_type: 'code',
      code_challenge: flow.pkce.challenge,
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(flow.params)) if (v !== undefined) query[k] = v;
    url.search = new URLSearchParams(query).toString();
    await flow.#follow(await agent.request(url), url);
    return flow;
  }

  /** Opens an authorization URL as given (say, one printed by the sandbox). */
  static async open(url: URL, agent = new Agent()): Promise<Flow> {
    const q = url.searchParams;
    const params: AuthorizationParams = {
      client_id: q.get('client_id') ?? '',
      redirect_uri: q.get('redirect_uri') ?? '',
      scope: q.get('scope') ?? '',
    };
    if (q.get('state')) params.state = q.get('state')!;
    const flow = new Flow(url.origin, params, agent);
    await flow.#follow(await agent.request(url), url);
    return flow;
  }

  async #follow(first: Response, firstUrl: URL): Promise<void> {
    let res = first;
    let url = firstUrl;
    for (let hops = 0; ; hops += 1) {
      this.responses.push({ url, status: res.status, headers: res.headers });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) break;
      if (hops > 10) throw new Error('too many redirects');
      await res.arrayBuffer();
      url = new URL(location, url);
      if (url.href.startsWith(this.params.redirect_uri)) {
        this.callback = url;
        this.page = undefined;
        return;
      }
      res = await this.agent.request(url);
    }
    this.page = { url, status: res.status, headers: res.headers, html: await res.text() };
  }

  get html(): string {
    if (!this.page) throw new Error(`no page: the flow ended at ${this.callback?.href}`);
    return this.page.html;
  }

  /** The value of a form field on the current page. */
  field(name: string): string {
    const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(this.html);
    if (!match) throw new Error(`no field ${name} on ${this.page?.url.pathname}`);
    return match[1]!;
  }

  formAction(): URL {
    const match = /<form method="post" action="([^"]+)"/.exec(this.html);
    if (!match) throw new Error(`no form on ${this.page?.url.pathname}`);
    return new URL(match[1]!.replace(/&amp;/g, '&'), this.page!.url);
  }

  /** Submits the page's form with its CSRF token plus these fields. */
  async submit(fields: Record<string, string>): Promise<Response> {
    const action = this.formAction();
    const res = await this.agent.request(action, { form: { csrf: this.field('csrf'), ...fields } });
    await this.#follow(res, action);
    return res;
  }

  async login(username: string, password: string): Promise<Response> {
    return this.submit({ username, password });
  }

  async otp(code: string): Promise<Response> {
    return this.submit({ otp: code });
  }

  async consent(decision: 'allow' | 'deny'): Promise<Response> {
    return this.submit({ decision });
  }

  async cancel(): Promise<void> {
    const match = /<a href="([^"]*\/cancel\?[^"]*)"/.exec(this.html);
    if (!match) throw new Error('no cancel link');
    const url = new URL(match[1]!.replace(/&amp;/g, '&'), this.page!.url);
    await this.#follow(await this.agent.request(url), url);
  }

  /** The `code` of a successful authorization response (checks `state` and `iss` too). */
  code(): string {
    const params = this.callback?.searchParams;
    if (!params?.get('code')) throw new Error(`no code: ${this.callback?.href ?? this.page?.url.href}`);
    if (params.get('state') !== this.params.state) throw new Error('state mismatch');
    if (params.get('iss') !== this.issuer) throw new Error('iss mismatch');
    return params.get('code')!;
  }
}

export interface TestCustomer {
  sub: string;
  username: string;
  password: string;
  secret: string;
  /** The next one-time code this customer has not used yet (each code works once). */
  nextCode(): string;
}

let customerSeq = 0;

/** A customer in the app's store, with a helper that hands out fresh one-time codes. */
/** `deps.clock` is the app's one-time-code clock (an in-process test server's); without it, real time (a server in another process). */
export async function createCustomer(
  deps: Pick<AppDeps, 'config' | 'store'> & { clock?: () => number },
  username?: string,
): Promise<TestCustomer> {
  const clock = deps.clock ?? Date.now;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  customerSeq += 1;
  const name = username ?? `customer${customerSeq}.${randomBytes(4).toString('hex')}`;
  const enrolment = await accountServices({ config: deps.config, store: deps.store }).accounts.create({ username: name, password });
  const secret = new URL(enrolment.totp_uri).searchParams.get('secret')!;
  let lastStep = -Infinity;
  return {
    sub: enrolment.sub,
    username: enrolment.username,
    password,
    secret,
    nextCode() {
      // codes of the previous, current and next 30 s step are accepted; each step only once, in order
      const current = Math.floor(clock() / 30_000);
      const step = Math.max(lastStep + 1, current - 1);
      if (step > current + 1) throw new Error('this customer used every code of the moment; create another customer');
      lastStep = step;
      return currentTotp(secret, step * 30_000);
    },
  };
}

/** Login, one-time code and consent (allow), ending at the redirect URI with a code. */
export async function authorize(issuer: string, params: AuthorizationParams, customer: TestCustomer): Promise<Flow> {
  const flow = await Flow.start(issuer, params);
  await flow.login(customer.username, customer.password);
  await flow.otp(customer.nextCode());
  if (!flow.callback) await flow.consent('allow');
  return flow;
}
