import { expect } from 'chai';

import { sampleBranding } from '../../config/branding.ts';
import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, Flow, type Page } from '../support/flow.ts';
import { type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';

function cspDirectives(headers: Headers): Map<string, string> {
  const csp = headers.get('content-security-policy') ?? '';
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(' ')[0]!, d.slice(d.indexOf(' ') + 1)]),
  );
}

function expectPageHeaders(page: Pick<Page, 'headers'>, formTargets: string[] = []): void {
  const csp = cspDirectives(page.headers);
  expect(csp.get('default-src')).to.equal("'none'");
  expect(csp.get('style-src')).to.equal("'self'");
  expect(csp.get('frame-ancestors')).to.equal("'none'");
  expect(csp.get('form-action')).to.equal(["'self'", ...formTargets].join(' '));
  expect(page.headers.get('referrer-policy')).to.equal('no-referrer');
  expect(page.headers.get('x-content-type-options')).to.equal('nosniff');
  expect(page.headers.get('cache-control')).to.equal('no-store');
  expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
}

// the footer's links to the bank's own help, privacy and terms pages (README "Branding")
const BANK_LINKS = new Set([sampleBranding.supportUrl, sampleBranding.privacyUrl, sampleBranding.termsUrl]);

/** Every URL the page loads or posts to stays on this server (no third parties); it links only here and to the bank's pages. */
function expectOnlyOwnResources(html: string): void {
  const urls = [...html.matchAll(/\s(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!).filter((url) => !BANK_LINKS.has(url));
  expect(urls.length).to.be.greaterThan(0);
  for (const url of urls) expect(url, url).to.match(/^\/(?!\/)/);
  for (const [, url] of html.matchAll(/<img src="([^"]*)"/g)) expect(url).to.match(/^\/assets\/brand\//);
  expect(html).not.to.match(/<script|style=|<style|<iframe/i);
}

describe('interaction pages: security headers, own resources, accessibility basics', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let tpp: RegisteredClient;
  const pages: { name: string; page: Page; formTargets: string[] }[] = [];

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, accountsParams(tpp));
    const redirectOrigin = new URL(flow.params.redirect_uri).origin;
    pages.push({ name: 'login', page: flow.page!, formTargets: [redirectOrigin] });
    await flow.login('nobody.here', 'wrong-password-1');
    pages.push({ name: 'login with an error', page: flow.page!, formTargets: [redirectOrigin] });
    await flow.login(customer.username, customer.password);
    pages.push({ name: 'one-time code', page: flow.page!, formTargets: [redirectOrigin] });
    await flow.otp(customer.nextCode());
    pages.push({ name: 'consent', page: flow.page!, formTargets: [redirectOrigin] });
    const broken = await Flow.start(srv.url, { ...accountsParams(tpp), redirect_uri: 'https://evil.example/cb' });
    pages.push({ name: "oidc-provider's error page (renderError)", page: broken.page!, formTargets: [] });
    const stale = await fetch(flow.page!.url, { headers: { accept: 'text/html' } });
    pages.push({
      name: "the interaction's error page",
      page: { ...flow.page!, headers: stale.headers, html: await stale.text() },
      formTargets: [],
    });
  });

  it('every page sends CSP (frame-ancestors none, form-action self + the redirect origin), no-referrer, nosniff, no-store', () => {
    expect(pages.map((p) => p.name)).to.have.length(6);
    for (const { name, page, formTargets } of pages) {
      try {
        expectPageHeaders(page, formTargets);
      } catch (err) {
        (err as Error).message = `${name}: ${(err as Error).message}`;
        throw err;
      }
    }
  });

  it('every page loads nothing from third parties and has no inline script or style', () => {
    for (const { page } of pages) expectOnlyOwnResources(page.html);
  });

  it('every page is English, scales on phones, has a title, one h1 and the stylesheet', () => {
    for (const { page } of pages) {
      expect(page.html).to.match(/^<!doctype html>\s*<html lang="en">/);
      expect(page.html).to.include('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page.html).to.match(/<title>[^<]+ – Demo Bank<\/title>/);
      expect(page.html.match(/<h1>/g)).to.have.length(1);
      expect(page.html).to.include('<link rel="stylesheet" href="/assets/valtuus.css">');
    }
  });

  it('every input has a visible label, and forms post', () => {
    for (const { page } of pages) {
      for (const [, id] of page.html.matchAll(/<input id="([^"]+)"/g)) expect(page.html).to.include(`<label for="${id}">`);
      for (const form of page.html.matchAll(/<form [^>]*>/g)) expect(form[0]).to.include('method="post"');
    }
  });

  it('GET /assets/valtuus.css is served as CSS from this server', async () => {
    const res = await fetch(`${srv.url}/assets/valtuus.css`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    const css = await res.text();
    expect(css).to.include(':focus-visible');
    expect(css).not.to.match(/@import|url\(/);
  });
});

describe('authorization endpoint pages of oidc-provider: response_mode=form_post', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
  });

  it('the auto-submitting form carries the page headers; its one script comes from this server and its form may post to the client', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), response_mode: 'form_post' });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    await flow.consent('allow');
    const page = flow.page!;
    expect(page.html).to.include(`<form method="post" action="${flow.params.redirect_uri}">`);
    const csp = cspDirectives(page.headers);
    expect(csp.get('default-src')).to.equal("'none'");
    expect(csp.get('frame-ancestors')).to.equal("'none'");
    expect(csp.get('script-src')).to.equal("'self'");
    expect(page.html).to.include('<script src="/assets/form_post.js" defer></script>');
    expect(page.html).to.match(/<button type="submit" class="primary" autofocus>Continue to Budget Buddy<\/button>/);
    expect(csp.get('form-action')).to.equal(`'self' ${new URL(flow.params.redirect_uri).origin}`);
    expect(page.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(page.headers.get('cache-control')).to.equal('no-store');
  });
});
