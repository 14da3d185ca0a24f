import { expect } from 'chai';

import { CIBA_GRANT } from '../../server/policy/levels.ts';
import { Agent, type TestCustomer } from '../support/flow.ts';
import {
  basic,
  json,
  postForm,
  registerClient,
  startTestServer,
  type TestServerOptions,
  type Json,
  type RegisteredClient,
  type TestServer,
} from '../support/server.ts';
import type { Store } from '../../adapters/types.ts';
import type { ClientInput } from '../../server/clients/manage.ts';

export { CIBA_GRANT };

/** The app with a fast poll interval, so a protocol-paced poll takes a second. */
export function startCibaServer(
  store: Store & { prefix?: string },
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const prefix = store.prefix ? { REDIS_KEY_PREFIX: store.prefix } : {};
  return startTestServer(store, { CIBA_POLL_INTERVAL: '1', ...prefix, ...env }, options);
}

export function registerCibaClient(srv: TestServer, input: Partial<ClientInput> = {}): Promise<RegisteredClient> {
  return registerClient(srv, { name: 'Kassa Kiosk', grantTypes: [CIBA_GRANT], scope: 'openid accounts:read', ...input });
}

export function backchannel(srv: TestServer, client: RegisteredClient, form: Record<string, string>): Promise<Response> {
  return postForm(
    `${srv.url}/backchannel`,
    { scope: 'openid accounts:read', ...form },
    { authorization: basic(client.client_id, client.client_secret) },
  );
}

export async function startRequest(srv: TestServer, client: RegisteredClient, form: Record<string, string>): Promise<Json> {
  const res = await backchannel(srv, client, form);
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).to.equal(200);
  return body;
}

export function pollToken(srv: TestServer, client: RegisteredClient, authReqId: string): Promise<Response> {
  return postForm(
    `${srv.url}/token`,
    { grant_type: CIBA_GRANT, auth_req_id: authReqId },
    { authorization: basic(client.client_id, client.client_secret) },
  );
}

function formValue(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no ${name} in the page`);
  return match[1]!;
}

/** The approval page driven as a browser without JavaScript: sign in with both factors. */
export class ApprovalAgent {
  readonly agent = new Agent();
  readonly #base: string;
  html = '';

  constructor(server: { url: string }) {
    this.#base = server.url;
  }

  async open(): Promise<string> {
    const res = await this.agent.request(new URL('/approve', this.#base));
    expect(res.status).to.equal(200);
    this.html = await res.text();
    return this.html;
  }

  async post(path: string, form: Record<string, string>): Promise<Response> {
    const res = await this.agent.request(new URL(path, this.#base), { form: { csrf: formValue(this.html, 'csrf'), ...form } });
    return res;
  }

  async signIn(customer: Pick<TestCustomer, 'username' | 'password' | 'nextCode'>): Promise<void> {
    await this.open();
    expect((await this.post('/approve/login', { username: customer.username, password: customer.password })).status).to.equal(303);
    await this.open();
    expect((await this.post('/approve/otp', { otp: customer.nextCode() })).status).to.equal(303);
    await this.open();
  }

  /** Answers a request by its id (as the form names it); returns the page shown afterwards. */
  async answer(authReqId: string, decision: 'allow' | 'deny'): Promise<string> {
    const res = await this.post('/approve/decision', { request: authReqId, decision });
    expect(res.status).to.equal(303);
    return this.open();
  }
}
