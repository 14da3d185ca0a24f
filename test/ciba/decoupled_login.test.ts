import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';

import { SCA_ACR } from '../../server/accounts/sca.ts';
import { launchChromium, openPage } from '../support/browser.ts';
import { accountsParams, REDIRECT_URI, registerWebClient } from '../support/code_grant.ts';
import { Flow, createCustomer, type Agent } from '../support/flow.ts';
import { registerClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { ApprovalAgent, startCibaServer } from './support.ts';

const API_TOKEN = 'app-backend-approval-token-0123456789abcdef';

/** Follows redirects as a browser without JavaScript would, until a page shows or the redirect URI is reached. */
async function follow(agent: Agent, start: URL): Promise<{ url: URL; html: string }> {
  let url = start;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.href.startsWith(REDIRECT_URI)) return { url, html: '' };
    const res = await agent.request(url);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { url, html: await res.text() };
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

/** One loopback server for the TPP's redirect URI and the bank's app backend (which hears of each request). */
async function startPeers(): Promise<{
  server: Server;
  base: string;
  notified: () => Promise<{ auth_req_id: string; sub: string; binding_message: string }>;
}> {
  const waiting: ((body: never) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/app-backend') {
        res.writeHead(204).end();
        waiting.shift()?.(JSON.parse(Buffer.concat(chunks).toString('utf8')) as never);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>TPP</title><p>Back at the TPP</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, notified: () => new Promise((resolve) => waiting.push(resolve)) };
}

describe('"Approve in the app" as the second factor of the browser login (code flow, OIDC Core §2 amr)', function () {
  this.timeout(60_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let browser: Browser;
  let peers: Awaited<ReturnType<typeof startPeers>>;

  before(async () => {
    peers = await startPeers();
    store = await openTestRedisStore();
    srv = await startCibaServer(store, {
      CIBA_WEBHOOK_URL: `${peers.base}/app-backend`,
      CIBA_WEBHOOK_SECRET: 'app-backend-webhook-key-0123456789abcdef',
      APPROVAL_API_TOKEN: API_TOKEN,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    peers.server.close();
    await srv.close();
    await store.close();
  });

  it('the page waits (polling where JavaScript runs) until the device approves, then consent, with amr naming the device', async () => {
    const redirectUri = `${peers.base}/callback`;
    const registered = await registerClient(srv, {
      name: 'Budget Buddy',
      grantTypes: ['authorization_code'],
      redirectUris: [redirectUri],
      scope: 'openid accounts:read',
    });
    const config = await client.discovery(
      new URL(srv.url),
      registered.client_id,
      undefined,
      client.ClientSecretBasic(registered.client_secret),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const customer = await createCustomer(srv.deps);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid accounts:read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });

    const { page, problems } = await openPage(browser);
    await page.goto(url.href);
    await page.getByLabel('Username').fill(customer.username);
    await page.getByLabel('Password').fill(customer.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const notified = peers.notified();
    await page.getByRole('button', { name: 'Approve in the app instead' }).click();
    await page.getByRole('heading', { name: 'Approve in your app' }).waitFor();
    const note = await notified;
    expect(note.sub).to.equal(customer.sub);
    expect(await page.getByText(note.binding_message).isVisible()).to.equal(true);

    // the bank's app backend: the customer confirmed with the device key and a face scan
    const decided = await fetch(`${srv.url}/approval-api/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        auth_req_id: note.auth_req_id,
        sub: customer.sub,
        decision: 'allow',
        acr: 'urn:bank:acr:mobile-key',
        amr: ['hwk', 'face'],
      }),
    });
    expect(decided.status).to.equal(204);

    await page.getByRole('heading', { name: 'Allow Budget Buddy access?' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}?**`);
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()).to.include({ sub: customer.sub, acr: SCA_ACR });
    expect(tokens.claims()?.amr).to.deep.equal(['pwd', 'mca', 'hwk', 'face']);
    expect(problems).to.deep.equal([]);
  });

  it('without JavaScript the waiting page has a refresh link; a Deny on the approval page ends at the client with access_denied', async () => {
    const web = await registerWebClient(srv);
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, accountsParams(web));
    await flow.login(customer.username, customer.password);
    const page = flow.page!.url;
    expect(flow.html).to.include('Approve in the app instead');
    const started = await flow.agent.request(new URL(`${page.pathname}/decoupled`, page), { form: { csrf: flow.field('csrf') } });
    expect(started.status).to.equal(303);
    const waiting = await follow(flow.agent, page);
    const code = /WEB-\d{4}/.exec(waiting.html)?.[0];
    expect(code, waiting.html).to.be.a('string');
    expect(waiting.html).to.include(`href="${page.pathname}"`);
    expect((await follow(flow.agent, page)).html).to.include(code!); // still waiting: the same page again

    const phone = new ApprovalAgent(srv);
    await phone.signIn(customer);
    const id = new RegExp(`${code}[\\s\\S]*?name="request" value="([^"]+)"`).exec(phone.html)?.[1];
    expect(id, phone.html).to.be.a('string');
    await phone.answer(id!, 'deny');

    const ended = await follow(flow.agent, page);
    expect(ended.url.searchParams.get('error')).to.equal('access_denied');
    expect(ended.url.searchParams.get('state')).to.equal(flow.params.state);
  });
});
