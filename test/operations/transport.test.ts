import { expect } from 'chai';

import { pkce } from '../support/flow.ts';
import { registerClient, startTestServer, type TestServer } from '../support/server.ts';
import { redisUrl } from '../support/redis.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const ISSUER = 'https://auth.bank.example';
const HSTS = 'max-age=31536000';

/**
 * README "Transport": with NODE_ENV=production, a request that did not arrive over TLS (as a
 * trusted proxy's X-Forwarded-Proto says) is redirected to https when it is a GET and refused
 * otherwise; every response carries Strict-Transport-Security (RFC 6797 §7.1); cookies are Secure.
 */
describe('operations: production serves https only (RFC 6797 HSTS, RFC 9700 §4.1)', () => {
  let store: TestRedisStore;
  let srv: TestServer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, {
      NODE_ENV: 'production',
      ISSUER,
      REDIS_URL: redisUrl,
      TRUST_PROXY: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const overTls = { 'x-forwarded-proto': 'https' };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${srv.url}${path}`, { headers, redirect: 'manual' });

  it('redirects a plain-HTTP GET of a page to the same path on the https issuer, with HSTS', async () => {
    const res = await get('/auth?client_id=x&response_type=code');
    expect(res.status).to.equal(301);
    expect(res.headers.get('location')).to.equal(`${ISSUER}/auth?client_id=x&response_type=code`);
    expect(res.headers.get('strict-transport-security')).to.equal(HSTS);
    expect(res.headers.getSetCookie()).to.deep.equal([]);
  });

  it('refuses a plain-HTTP POST with 400 invalid_request and reads nothing of it', async () => {
    const res = await fetch(`${srv.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=x&client_secret=y',
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: string }).error).to.equal('invalid_request');
  });

  it('does not believe X-Forwarded-Proto from an untrusted peer', async () => {
    const untrusting = await startTestServer(store, {
      NODE_ENV: 'production',
      ISSUER,
      REDIS_URL: redisUrl,
      TRUST_PROXY: '10.0.0.0/8',
      LOG_LEVEL: 'silent',
    });
    try {
      const res = await fetch(`${untrusting.url}/.well-known/openid-configuration`, { headers: overTls, redirect: 'manual' });
      expect(res.status).to.equal(301);
    } finally {
      await untrusting.close();
    }
  });

  it('serves requests that arrived over TLS, with HSTS on successes and errors alike', async () => {
    const ok = await get('/.well-known/openid-configuration', overTls);
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('strict-transport-security')).to.equal(HSTS);
    const refused = await fetch(`${srv.url}/token`, {
      method: 'POST',
      headers: { ...overTls, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(refused.status).to.equal(400);
    expect(refused.headers.get('strict-transport-security')).to.equal(HSTS);
  });

  it('sets cookies with the Secure attribute (RFC 6265 §4.1.2.5)', async () => {
    const web = await registerClient(srv, {
      name: 'Budget Buddy',
      grantTypes: ['authorization_code'],
      redirectUris: ['https://tpp.example/cb'],
      scope: 'openid accounts:read',
    });
    const query = new URLSearchParams({
      client_id: web.client_id,
      response_type: 'code',
      scope: 'openid accounts:read',
      redirect_uri: 'https://tpp.example/cb',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const res = await get(`/auth?${query}`, overTls);
    expect(res.status).to.equal(303);
    const cookies = res.headers.getSetCookie();
    expect(cookies).to.have.length.greaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).to.contain('; secure');
  });

  it('answers the platform’s /healthz probe over plain HTTP', async () => {
    const res = await get('/healthz');
    expect(res.status).to.equal(200);
  });
});
