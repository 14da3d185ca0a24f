import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';

import { SCA_ACR } from '../../server/accounts/sca.ts';
import { launchChromium, openPage, type WatchedPage } from '../support/browser.ts';
import { createCustomer, type TestCustomer } from '../support/flow.ts';
import { registerClient, type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';

/** The TPP's own web server: its redirect URI answers with a plain page, as a real callback would. */
async function startTppCallback(): Promise<{ server: Server; redirectUri: string; posted: URLSearchParams[] }> {
  const posted: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') posted.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>TPP</title><p>Back at the TPP</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, posted };
}

interface Authorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

describe('end to end: a TPP using openid-client and a customer in headless Chromium', function () {
  this.timeout(60_000);

  const fx = useServerOnRedis();
  let srv: TestServer;
  let browser: Browser;
  let tppServer: Server;
  let redirectUri: string;
  let posted: URLSearchParams[];
  let registered: RegisteredClient;
  let config: client.Configuration;
  /** raw token endpoint bodies, before openid-client normalises them */
  const rawTokenResponses: Record<string, unknown>[] = [];

  before(async () => {
    ({ srv } = fx);
    ({ server: tppServer, redirectUri, posted } = await startTppCallback());
    registered = await registerClient(srv, {
      name: 'Budget Buddy',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [redirectUri],
      scope: 'openid accounts:read accounts:write',
    });
    config = await client.discovery(new URL(srv.url), registered.client_id, undefined, client.ClientSecretBasic(registered.client_secret), {
      execute: [client.allowInsecureRequests],
    });
    config[client.customFetch] = async (url, options) => {
      const res = await fetch(url, options as RequestInit);
      if (new URL(url).pathname === '/token') rawTokenResponses.push((await res.clone().json()) as Record<string, unknown>);
      return res;
    };
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => tppServer?.close(resolve));
  });

  async function authorizationRequest(scope = 'openid accounts:read', extra: Record<string, string> = {}): Promise<Authorization> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  async function logIn({ page }: WatchedPage, customer: TestCustomer, request: Authorization): Promise<void> {
    await page.goto(request.url.href);
    await page.getByLabel('Username').fill(customer.username);
    await page.getByLabel('Password').fill(customer.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('One-time code').fill(customer.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Allow Budget Buddy access?' }).waitFor();
  }

  it('login → one-time code → consent → tokens → refresh, with every promised token field of the right type', async () => {
    const customer = await createCustomer(srv.deps);
    const watched = await openPage(browser);
    const { page } = watched;
    const request = await authorizationRequest();

    await logIn(watched, customer, request);
    expect(await page.getByRole('heading', { name: 'Accounts' }).isVisible()).to.equal(true);
    expect(await page.getByText('See your accounts, balances and transactions').isVisible()).to.equal(true);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}?**`);

    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    const raw = rawTokenResponses.at(-1)!;
    expect(raw.access_token).to.be.a('string');
    expect(raw.token_type).to.equal('Bearer');
    expect(raw.expires_in).to.satisfy(Number.isInteger);
    expect(raw.scope).to.equal('openid accounts:read');
    expect(raw.id_token).to.be.a('string');
    expect(raw.status).to.equal('approved');
    expect(raw.refresh_count).to.equal(0);
    expect(raw.refresh_token).to.be.a('string');
    expect(raw.refresh_token_expires_in).to.satisfy(Number.isInteger);
    expect(raw.refresh_token_issued_at).to.satisfy(Number.isInteger);

    const claims = tokens.claims()!;
    expect(claims.sub).to.equal(customer.sub);
    expect(claims.acr).to.equal(SCA_ACR);
    expect(claims.amr).to.deep.equal(['pwd', 'otp']);
    expect(claims.auth_time).to.satisfy(Number.isInteger);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const rawRefresh = rawTokenResponses.at(-1)!;
    expect(refreshed.access_token).to.be.a('string').and.not.equal(tokens.access_token);
    expect(rawRefresh.token_type).to.equal('Bearer');
    expect(rawRefresh.status).to.equal('approved');
    expect(rawRefresh.refresh_count).to.equal(1);
    expect(rawRefresh.refresh_token).to.be.a('string').and.not.equal(tokens.refresh_token);
    expect(rawRefresh.refresh_token_expires_in).to.satisfy(Number.isInteger);
    expect(rawRefresh.refresh_token_issued_at).to.satisfy(Number.isInteger);
    expect(rawRefresh.expires_in).to.satisfy(Number.isInteger);

    expect(watched.problems).to.deep.equal([]);
    await watched.context.close();
  });

  it('a denial returns access_denied with state and iss, which openid-client reports as an authorization error', async () => {
    const customer = await createCustomer(srv.deps);
    const watched = await openPage(browser);
    const request = await authorizationRequest();
    await logIn(watched, customer, request);
    await watched.page.getByRole('button', { name: 'Deny' }).click();
    await watched.page.waitForURL(`${redirectUri}?**`);

    const callback = new URL(watched.page.url());
    expect(callback.searchParams.get('error')).to.equal('access_denied');
    expect(callback.searchParams.get('state')).to.equal(request.state);
    expect(callback.searchParams.get('iss')).to.equal(srv.url);
    const err = await client
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(client.AuthorizationResponseError);
    expect((err as client.AuthorizationResponseError).error).to.equal('access_denied');
    expect(watched.problems).to.deep.equal([]);
    await watched.context.close();
  });

  it('response_mode=form_post: the auto-submitting page runs under its CSP and posts the code to the TPP', async () => {
    const customer = await createCustomer(srv.deps);
    const watched = await openPage(browser);
    const request = await authorizationRequest('openid accounts:read', { response_mode: 'form_post' });
    await logIn(watched, customer, request);
    const arrived = watched.page.waitForRequest((req) => req.url() === redirectUri && req.method() === 'POST');
    await watched.page.getByRole('button', { name: 'Allow' }).click();
    await arrived;
    await watched.page.waitForLoadState();
    const body = posted.at(-1)!;
    expect(body.get('code')).to.be.a('string');
    expect(body.get('state')).to.equal(request.state);
    expect(body.get('iss')).to.equal(srv.url);
    expect(watched.problems).to.deep.equal([]);
    await watched.context.close();
  });

  it('the cancel link on the login page also ends with access_denied at the TPP', async () => {
    const watched = await openPage(browser);
    const request = await authorizationRequest();
    await watched.page.goto(request.url.href);
    await watched.page.getByRole('link', { name: 'Cancel and return to Budget Buddy' }).click();
    await watched.page.waitForURL(`${redirectUri}?**`);
    expect(new URL(watched.page.url()).searchParams.get('error')).to.equal('access_denied');
    await watched.context.close();
  });

  it('the login page works by keyboard in a sensible order, loads its stylesheet and fits a phone screen', async () => {
    const watched = await openPage(browser, { viewport: { width: 360, height: 740 } });
    const { page } = watched;
    await page.goto((await authorizationRequest()).url.href);
    const order: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate<string>('document.activeElement.id || document.activeElement.textContent.trim()'));
    }
    // the language switcher sits at the top of every page, as on the bank's own site
    expect(order).to.deep.equal(['Suomi', 'Svenska', 'English', 'username', 'password', 'Continue', 'Cancel and return to Budget Buddy']);
    const background = await page.evaluate<string>("getComputedStyle(document.querySelector('.masthead')).backgroundColor");
    expect(background).to.equal('rgb(10, 61, 98)');
    const widths = await page.evaluate<{ scroll: number; client: number }>(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    );
    expect(widths.scroll).to.be.at.most(widths.client);
    expect(watched.problems).to.deep.equal([]);
    await watched.context.close();
  });
});
