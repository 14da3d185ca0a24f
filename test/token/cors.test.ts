import { expect } from 'chai';

import { basic, postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

const EVIL = 'https://evil.example';

/** What a browser would let the page at `origin` read: the response is readable only with a matching ACAO. */
function readableBy(res: Response, origin: string): boolean {
  const allowed = res.headers.get('access-control-allow-origin');
  return allowed === '*' || allowed === origin;
}

describe('RFC 6749 §2.1 confidential clients are not browser apps: no CORS for arbitrary origins', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;

  before(async () => {
    tpp = await registerClient(fx.srv, { name: 'Rates Monitor' });
  });

  const withOrigin = (path: string, form: Record<string, string>) =>
    postForm(`${fx.srv.url}${path}`, form, { authorization: basic(tpp.client_id, tpp.client_secret), origin: EVIL });

  it('the token endpoint does not let another origin read a confidential client’s token response', async () => {
    const res = await withOrigin('/token', { grant_type: 'client_credentials', scope: 'public:read' });
    const body = await res.text();
    expect(readableBy(res, EVIL), `ACAO ${res.headers.get('access-control-allow-origin')} on ${res.status}`).to.equal(false);
    expect(res.headers.get('access-control-allow-credentials')).not.to.equal('true');
    if (readableBy(res, EVIL)) expect(body).not.to.contain('access_token');
  });

  for (const path of ['/token/introspection', '/token/revocation', '/request']) {
    it(`${path} does not let another origin read a confidential client’s response`, async () => {
      const res = await withOrigin(path, { token: 'x' });
      expect(readableBy(res, EVIL), `ACAO ${res.headers.get('access-control-allow-origin')}`).to.equal(false);
    });
  }

  it('the login pages do not answer CORS at all', async () => {
    const res = await fetch(`${fx.srv.url}/interaction/some-uid`, { headers: { origin: EVIL } });
    await res.arrayBuffer();
    expect(res.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('no endpoint allows credentialed CORS (cookies) from another origin', async () => {
    for (const path of ['/auth', '/me', '/token', '/interaction/x', '/.well-known/openid-configuration', '/jwks']) {
      const res = await fetch(`${fx.srv.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST' },
      });
      await res.arrayBuffer();
      expect(res.headers.get('access-control-allow-credentials'), path).not.to.equal('true');
    }
  });
});
