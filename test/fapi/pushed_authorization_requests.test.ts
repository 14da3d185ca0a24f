import { expect } from 'chai';

import { pkce } from '../support/flow.ts';
import { postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';
import { JWT_BEARER, assertionClaims, signJwt, signingKey, type SigningKey } from '../support/forged_jwts.ts';
import { authorizeUrl, getManual, responseParams } from '../support/code_grant.ts';

const REDIRECT = 'https://tpp.example.com/cb';

describe('RFC 9700 §2.2.1 / FAPI 2.0 high APIs: pushed authorization requests only', () => {
  const fx = useServerOnRedis();
  let key: SigningKey;
  let payer: RegisteredClient;

  before(async () => {
    key = await signingKey('ES256');
    payer = await registerClient(fx.srv, {
      name: 'Payment Initiator',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT],
      scope: 'payments:write',
      authMethod: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
  });

  const params = () => ({
    client_id: payer.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'payments:write',
    state: 'st',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });

  async function push(): Promise<string> {
    const res = await postForm(`${fx.srv.url}/request`, {
      ...params(),
      client_assertion_type: JWT_BEARER,
      client_assertion: await signJwt(assertionClaims(payer.client_id, fx.srv.url), key),
    });
    const body = (await res.json()) as { request_uri?: string };
    expect(res.status, JSON.stringify(body)).to.equal(201);
    return body.request_uri!;
  }

  const reachesLogin = (res: Response) => /^\/interaction\//.test(new URL(res.headers.get('location') ?? '/', fx.srv.url).pathname);

  it('RFC 9126 §5 an authorization request in the query (not pushed) is refused', async () => {
    const res = await getManual(authorizeUrl(fx.srv.url, params()));
    expect(reachesLogin(res), 'must not reach the login page').to.equal(false);
    const location = res.headers.get('location');
    const text = location ? (responseParams(location).get('error_description') ?? '') : await res.text();
    expect(text, 'refused because the request was not pushed').to.match(/pushed/i);
  });

  it('positive control: a pushed request reaches the login page', async () => {
    const res = await getManual(authorizeUrl(fx.srv.url, { client_id: payer.client_id, request_uri: await push() }));
    expect(reachesLogin(res), `${res.status} ${res.headers.get('location')}`).to.equal(true);
  });

  it('RFC 9126 §2.2 a made-up request_uri is refused', async () => {
    const res = await getManual(
      authorizeUrl(fx.srv.url, { client_id: payer.client_id, request_uri: 'urn:ietf:params:oauth:request_uri:made-up' }),
    );
    expect(reachesLogin(res)).to.equal(false);
  });
});
