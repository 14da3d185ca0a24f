import { expect } from 'chai';

import { basic, json, postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

const ENDPOINTS = ['/token', '/token/introspection', '/token/revocation', '/request'] as const;

function formFor(endpoint: (typeof ENDPOINTS)[number]): Record<string, string> {
  switch (endpoint) {
    case '/token':
      return { grant_type: 'client_credentials', scope: 'public:read' };
    case '/request':
      return {
        response_type: 'code',
        redirect_uri: 'https://tpp.example.com/cb',
        scope: 'public:read',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      };
    default:
      return { token: 'some-token-value' };
  }
}

interface Refusal {
  status: number;
  body: string;
  wwwAuthenticate: string | null;
}

async function refusal(res: Response): Promise<Refusal> {
  return { status: res.status, body: await res.text(), wwwAuthenticate: res.headers.get('www-authenticate') };
}

describe('RFC 6749 §2.3 / §5.2 client authentication failures', () => {
  // the abuse limits are not under test here (test/operations has them): budgets out of reach
  const fx = useServerOnRedis({ RATE_LIMIT_ADDRESS_AUTH_FAILURES: '100000', RATE_LIMIT_CLIENT_AUTH_FAILURES: '100000' });
  let tpp: RegisteredClient;
  let poster: RegisteredClient;

  before(async () => {
    tpp = await registerClient(fx.srv, {
      name: 'Rates Monitor',
      grantTypes: ['client_credentials', 'authorization_code'],
      redirectUris: ['https://tpp.example.com/cb'],
    });
    poster = await registerClient(fx.srv, { name: 'Poster', authMethod: 'client_secret_post' });
  });

  for (const endpoint of ENDPOINTS) {
    describe(`at ${endpoint}`, () => {
      const post = (headers: Record<string, string>, extra: Record<string, string> = {}) =>
        postForm(`${fx.srv.url}${endpoint}`, { ...formFor(endpoint), ...extra }, headers);

      it('RFC 6749 §5.2 a wrong secret with Basic gets 401 invalid_client and WWW-Authenticate: Basic', async () => {
        const res = await post({ authorization: basic(tpp.client_id, 'wrong-secret') });
        expect(res.status).to.equal(401);
        expect(res.headers.get('www-authenticate')).to.match(/^Basic /);
        expect((await json(res)).error).to.equal('invalid_client');
      });

      it('RFC 6749 §5.2 an unknown client gets exactly the answer a wrong secret gets (no hint it exists)', async () => {
        const wrongSecret = await refusal(await post({ authorization: basic(tpp.client_id, 'wrong-secret') }));
        const unknown = await refusal(await post({ authorization: basic('no-such-client', 'wrong-secret') }));
        expect(unknown).to.deep.equal(wrongSecret);
      });

      it('RFC 6749 §2.3.1 a wrong client_secret_post gets 401 invalid_client, the same as an unknown client', async () => {
        const wrong = await post({}, { client_id: poster.client_id, client_secret: 'wrong-secret' });
        const unknown = await post({}, { client_id: 'no-such-client', client_secret: 'wrong-secret' });
        expect(wrong.status).to.equal(401);
        expect(unknown.status).to.equal(401);
        expect(await json(wrong)).to.deep.equal(await json(unknown));
      });

      it('RFC 6749 §2.3.1 the secret is not echoed in the error', async () => {
        const secret = 'Sup3rSecretGuess-0123456789';
        const res = await post({ authorization: basic(tpp.client_id, secret) });
        expect(await res.text()).not.to.contain(secret);
      });

      it('RFC 6749 §2.3 more than one authentication method at once is refused', async () => {
        const res = await post(
          { authorization: basic(tpp.client_id, tpp.client_secret) },
          { client_id: tpp.client_id, client_secret: tpp.client_secret },
        );
        expect(res.status).to.equal(400);
        expect((await json(res)).error).to.equal('invalid_request');
      });

      it('RFC 6749 §2.1 a confidential client cannot act as a public one (client_id only)', async () => {
        const res = await post({}, { client_id: tpp.client_id });
        expect(res.status).to.equal(401);
        expect((await json(res)).error).to.equal('invalid_client');
      });

      for (const [label, header] of [
        ['no colon', `Basic ${Buffer.from('just-an-id').toString('base64')}`],
        ['an empty secret', `Basic ${Buffer.from('id:').toString('base64')}`],
        ['not base64', 'Basic %%%not-base64%%%'],
        ['bad percent-encoding', `Basic ${Buffer.from('%E0%A4%A:%zz').toString('base64')}`],
        ['another scheme', 'Bearer abc'],
        ['the scheme alone', 'Basic'],
      ] as const) {
        it(`a malformed Authorization header (${label}) gets 400 invalid_request or 401 invalid_client, never 5xx`, async () => {
          const res = await post({ authorization: header });
          expect(res.status).to.equal(400);
          expect((await json(res)).error).to.equal('invalid_request');
        });
      }
    });
  }

  it('RFC 6819 §5.1.4.1.3 secrets are stored as digests: the stored digest does not work as the secret', async () => {
    const stored = await fx.store.adapter('Client').find(tpp.client_id);
    const digest = String(stored?.client_secret);
    expect(digest).to.not.equal(tpp.client_secret);
    const res = await postForm(`${fx.srv.url}/token`, formFor('/token'), { authorization: basic(tpp.client_id, digest) });
    expect(res.status).to.equal(401);
  });

  it('RFC 6749 §10.10 secrets are compared whole: a prefix, a suffix or a case change of the secret fails', async () => {
    const s = tpp.client_secret;
    for (const guess of [s.slice(0, -1), `${s}x`, s.toUpperCase() === s ? s.toLowerCase() : s.toUpperCase(), ` ${s}`]) {
      const res = await postForm(`${fx.srv.url}/token`, formFor('/token'), { authorization: basic(tpp.client_id, guess) });
      expect(res.status, `guess ${guess}`).to.equal(401);
    }
  });

  it('positive control: the right secret works with Basic, and client_secret_post for a post client', async () => {
    expect(
      (await postForm(`${fx.srv.url}/token`, formFor('/token'), { authorization: basic(tpp.client_id, tpp.client_secret) })).status,
    ).to.equal(200);
    const res = await postForm(`${fx.srv.url}/token`, {
      ...formFor('/token'),
      client_id: poster.client_id,
      client_secret: poster.client_secret,
    });
    expect(res.status).to.equal(200);
  });
});
