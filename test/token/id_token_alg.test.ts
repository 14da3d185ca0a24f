import { expect } from 'chai';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import { accountsParams, redeemCode, refresh, registerWebClient, REDIRECT_URI } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { json, registerClient, useServerOnRedis, type Json, type RegisteredClient } from '../support/server.ts';
import { initialAccessTokens, registrationCall } from '../registration/support.ts';
import { defaultIdTokenAlg } from '../../server/policy/registration.ts';
import { newSigningKey } from '../../server/signing_keys.ts';

describe('ID token signing algorithm (OIDC Registration §2 id_token_signed_response_alg, FAPI 2.0 Security Profile §5.4.1)', () => {
  const fx = useServerOnRedis();

  const openidTokens = async (tpp: RegisteredClient): Promise<Json> => {
    const flow = await authorize(fx.srv.url, accountsParams(tpp, 'openid accounts:read'), await createCustomer(fx.srv.deps));
    const body = await json(await redeemCode(fx.srv, tpp, flow));
    expect(body.id_token, JSON.stringify(body)).to.be.a('string');
    return body;
  };
  const verified = async (idToken: string, tpp: RegisteredClient) => {
    const jwks = createRemoteJWKSet(new URL(`${fx.srv.url}/jwks`));
    return jwtVerify(idToken, jwks, { issuer: fx.srv.url, audience: tpp.client_id });
  };

  it('the server publishes an EC P-256 key and advertises ES256 in discovery', async () => {
    const meta = await json(await fetch(`${fx.srv.url}/.well-known/openid-configuration`));
    expect(meta.id_token_signing_alg_values_supported).to.include('ES256');
    const { keys } = await json(await fetch(meta.jwks_uri));
    expect(keys.some((k: Json) => k.kty === 'EC' && k.crv === 'P-256')).to.equal(true);
  });

  it('a client registered without id_token_signed_response_alg gets ES256 ID tokens, at the code grant and at refresh', async () => {
    const tpp = await registerWebClient(fx.srv, 'No Alg Given');
    const issued = await openidTokens(tpp);
    expect(decodeProtectedHeader(issued.id_token).alg).to.equal('ES256');
    const { protectedHeader, payload } = await verified(issued.id_token, tpp);
    expect(protectedHeader.alg).to.equal('ES256');
    expect(payload.sub).to.be.a('string');

    const refreshed = await json(await refresh(fx.srv, tpp, issued.refresh_token));
    expect((await verified(refreshed.id_token, tpp)).protectedHeader.alg).to.equal('ES256');
  });

  it('a client registered with an explicit RS256 keeps RS256', async () => {
    const tpp = await registerClient(fx.srv, {
      name: 'Pinned RS256',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      scope: 'openid accounts:read accounts:write',
      extra: { id_token_signed_response_alg: 'RS256' },
    });
    const issued = await openidTokens(tpp);
    expect((await verified(issued.id_token, tpp)).protectedHeader.alg).to.equal('RS256');
    const refreshed = await json(await refresh(fx.srv, tpp, issued.refresh_token));
    expect((await verified(refreshed.id_token, tpp)).protectedHeader.alg).to.equal('RS256');
  });

  it('RFC 7591 §3.2.1 dynamic registration answers with the algorithm chosen: ES256 when none was asked for, RS256 when asked', async () => {
    const { initial_access_token: first } = await initialAccessTokens(fx.srv).create({});
    const { initial_access_token: second } = await initialAccessTokens(fx.srv).create({});
    const metadata = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'public:read' };
    const defaulted = await json(await registrationCall(`${fx.srv.url}/reg`, 'POST', first, metadata));
    expect(defaulted.id_token_signed_response_alg, JSON.stringify(defaulted)).to.equal('ES256');
    const pinned = await json(
      await registrationCall(`${fx.srv.url}/reg`, 'POST', second, { ...metadata, id_token_signed_response_alg: 'RS256' }),
    );
    expect(pinned.id_token_signed_response_alg, JSON.stringify(pinned)).to.equal('RS256');
  });

  it('a key set without an EC P-256 key keeps OIDC Registration §2 default, RS256, so every ID token can be signed', () => {
    const [rsa, ec] = [newSigningKey('rsa'), newSigningKey('ec')];
    expect(defaultIdTokenAlg([rsa])).to.equal('RS256');
    expect(defaultIdTokenAlg([rsa, ec])).to.equal('ES256');
    expect(defaultIdTokenAlg([rsa, { ...ec, alg: 'ES384' }])).to.equal('RS256');
  });
});
