import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';

import { SCA_ACR } from '../../server/accounts/sca.ts';
import { launchChromium, openPage } from '../support/browser.ts';
import { createCustomer } from '../support/flow.ts';
import { registerClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { startCibaServer } from './support.ts';

const API_TOKEN = 'app-backend-approval-token-0123456789abcdef';

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
});
