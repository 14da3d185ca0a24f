import { expect } from 'chai';

import { pkce } from '../support/flow.ts';
import { basic, expectOAuthError, postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';
import { authorizeUrl, getManual, responseParams } from '../support/code_grant.ts';

const REGISTERED = 'https://tpp.example.com/callback';
const SECOND = 'https://tpp.example.com/other-callback';

// Each differs from a registered URI by one trick an attacker has used to get codes sent elsewhere.
const LOOKALIKES: Record<string, string> = {
  'a longer path': `${REGISTERED}/evil`,
  'a path prefix match': `${REGISTERED}evil`,
  'the parent path': 'https://tpp.example.com/',
  'a dot-segment path': `${REGISTERED}/../evil`,
  'an encoded dot-segment path': `${REGISTERED}/%2e%2e/evil`,
  'a trailing slash': `${REGISTERED}/`,
  'a differently cased path': 'https://tpp.example.com/Callback',
  'a subdomain': 'https://evil.tpp.example.com/callback',
  'a domain suffix': 'https://tpp.example.com.evil.example/callback',
  'userinfo before another host': 'https://tpp.example.com@evil.example/callback',
  'a backslash before another host': 'https://tpp.example.com\\@evil.example/callback',
  'an added query': `${REGISTERED}?next=https://evil.example/`,
  'an added fragment': `${REGISTERED}#https://evil.example/`,
  'http instead of https': 'http://tpp.example.com/callback',
  'another port': 'https://tpp.example.com:8443/callback',
  'another host': 'https://evil.example/callback',
  'a javascript: URI': `javascript:alert(1)//${REGISTERED}`,
  'a data: URI': 'data:text/html,<script>alert(1)</script>',
  'surrounding whitespace': ` ${REGISTERED} `,
  'a double-encoded URI': encodeURIComponent(REGISTERED),
};

describe('RFC 9700 §4.1 / RFC 6749 §3.1.2 redirect URI validation', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;

  before(async () => {
    tpp = await registerClient(fx.srv, {
      name: 'Budget Buddy',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REGISTERED, SECOND],
      scope: 'openid accounts:read',
    });
  });

  const params = (redirectUri: string | undefined, extra: Record<string, string> = {}) => {
    const p: Record<string, string> = {
      client_id: tpp.client_id,
      response_type: 'code',
      scope: 'accounts:read',
      state: 'xyz',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    if (redirectUri !== undefined) p.redirect_uri = redirectUri;
    return p;
  };

  /** An error page, shown by the server itself: no Location, no meta refresh, no link to the URI. */
  async function expectErrorPageWithoutRedirect(res: Response, badUri?: string): Promise<void> {
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).to.equal(400);
    expect(res.headers.get('location')).to.equal(null);
    expect(res.headers.get('refresh')).to.equal(null);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(html).not.to.match(/http-equiv="?refresh/i);
    if (badUri) expect(html).not.to.contain(`href="${badUri}`);
  }

  it('RFC 9700 §4.1.3 positive control: the exact registered URIs are accepted', async () => {
    for (const uri of [REGISTERED, SECOND]) {
      const res = await getManual(authorizeUrl(fx.srv.url, params(uri)));
      expect(res.status).to.equal(303);
      expect(new URL(res.headers.get('location')!, fx.srv.url).pathname).to.match(/^\/interaction\//);
    }
  });

  describe('RFC 9700 §4.1.3 redirect URI: exact string matching', () => {
    for (const [trick, uri] of Object.entries(LOOKALIKES)) {
      it(`refuses ${trick} (${uri}) with an error page, never a redirect`, async () => {
        await expectErrorPageWithoutRedirect(await getManual(authorizeUrl(fx.srv.url, params(uri))), uri);
      });
    }
  });

  describe('RFC 6749 §4.1.2.1 / RFC 9700 §4.11.2 no open redirect on error', () => {
    it('a missing redirect_uri shows an error page (OpenID Connect requires it; no default is assumed)', async () => {
      await expectErrorPageWithoutRedirect(await getManual(authorizeUrl(fx.srv.url, params(undefined))));
    });

    it('an unknown client_id with any redirect_uri shows an error page', async () => {
      const res = await getManual(authorizeUrl(fx.srv.url, { ...params('https://evil.example/cb'), client_id: 'no-such-client' }));
      await expectErrorPageWithoutRedirect(res, 'https://evil.example/cb');
    });

    it('no client_id at all shows an error page', async () => {
      const { client_id: _omitted, ...rest } = params('https://evil.example/cb');
      await expectErrorPageWithoutRedirect(await getManual(authorizeUrl(fx.srv.url, rest)), 'https://evil.example/cb');
    });

    // errors found later in the request must not be sent to an unvalidated URI either
    const otherErrors: Record<string, Record<string, string>> = {
      'an unsupported response_type': { response_type: 'token' },
      'a missing code_challenge': { code_challenge: '' },
      'an unknown scope': { scope: 'payments:write' },
      'prompt=none without a session': { prompt: 'none' },
      'an invalid request object': { request: 'not-a-jwt' },
    };
    for (const [other, extra] of Object.entries(otherErrors)) {
      it(`an invalid redirect_uri together with ${other} still shows an error page`, async () => {
        const res = await getManual(authorizeUrl(fx.srv.url, params('https://evil.example/cb', extra)));
        await expectErrorPageWithoutRedirect(res, 'https://evil.example/cb');
      });
    }

    it('errors of a valid request go to the registered redirect URI only', async () => {
      const res = await getManual(authorizeUrl(fx.srv.url, params(REGISTERED, { scope: 'payments:write' })));
      expect(res.status).to.be.within(300, 399);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).to.equal(REGISTERED);
      expect(responseParams(location).get('error')).to.equal('invalid_scope');
    });
  });

  describe('RFC 9126 §2.1 pushed authorization requests check the redirect URI too', () => {
    const push = (form: Record<string, string>) =>
      postForm(`${fx.srv.url}/request`, form, { authorization: basic(tpp.client_id, tpp.client_secret) });

    for (const uri of [`${REGISTERED}/evil`, 'https://evil.example/callback', `${REGISTERED}?x=1`]) {
      it(`refuses ${uri} at the PAR endpoint with invalid_redirect_uri (or invalid_request)`, async () => {
        const res = await push(params(uri));
        expect(res.status).to.equal(400);
        const body = (await res.json()) as { error: string };
        expect(body.error).to.equal('invalid_request');
      });
    }

    it('positive control: the registered URI is accepted at the PAR endpoint', async () => {
      const res = await push(params(REGISTERED));
      expect(res.status, await res.clone().text()).to.equal(201);
    });

    it('a request_uri pushed by one client cannot be used by another (RFC 9126 §4)', async () => {
      const { request_uri } = (await (await push(params(REGISTERED))).json()) as { request_uri: string };
      const other = await registerClient(fx.srv, {
        name: 'Other TPP',
        grantTypes: ['authorization_code'],
        redirectUris: ['https://other.example/cb'],
        scope: 'accounts:read',
      });
      const res = await getManual(authorizeUrl(fx.srv.url, { client_id: other.client_id, request_uri }));
      expect(res.headers.get('location') ?? '').not.to.match(/^https:\/\/tpp\.example\.com/);
      expect(res.status).not.to.equal(200);
      if (res.status === 303 || res.status === 302) {
        expect(responseParams(new URL(res.headers.get('location')!, fx.srv.url)).get('error')).to.be.a('string');
      }
    });
  });

  it('RFC 6749 §3.1.2.2 an unregistered redirect URI cannot be used at the token endpoint either', async () => {
    const res = await postForm(
      `${fx.srv.url}/token`,
      { grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: 'https://evil.example/cb', code_verifier: 'y'.repeat(43) },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );
    await expectOAuthError(res, 400, 'invalid_grant');
  });
});
