import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';

import { Flow, createCustomer } from '../support/flow.ts';
import { REDIRECT_URI } from '../support/code_grant.ts';
import { json, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { initialAccessTokens, registrationCall } from './support.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const DEBTOR = 'FI2112345600000785';

describe('dynamic registration of a high API client with an inline JWKS, then the FAPI 2.0 flow (RFC 7591 §2, FAPI 2.0 Security Profile)', () => {
  let store: TestRedisStore;
  let srv: TestServer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  it('registers private_key_jwt with its public keys inline, gets PAR and DPoP implied, and completes PAR, login, consent and a DPoP-bound code exchange', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'pay-1', use: 'sig', alg: 'ES256' };
    const { initial_access_token } = await initialAccessTokens(srv).create({ scope: 'payments:write' });
    const res = await registrationCall(`${srv.url}/reg`, 'POST', initial_access_token, {
      client_name: 'Pay Later Ltd',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [REDIRECT_URI],
      scope: 'openid payments:write',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [jwk] },
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    const registered = await json(res);
    expect(registered).to.include({ require_pushed_authorization_requests: true, dpop_bound_access_tokens: true });
    expect(registered).not.to.have.property('client_secret');

    const as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
    const client: oauth.Client = { client_id: registered.client_id, token_endpoint_auth_signing_alg: 'ES256' };
    const auth = oauth.PrivateKeyJwt({ key: privateKey, kid: 'pay-1' });
    const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const params = new URLSearchParams({
      debtor_account: DEBTOR,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid payments:write',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const par = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, auth, params, { DPoP: dpop, ...insecure }),
    );

    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, {
      client_id: client.client_id,
      request_uri: par.request_uri,
      redirect_uri: REDIRECT_URI,
      scope: 'openid payments:write',
      state,
    });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    await flow.consent('allow');
    const callback = oauth.validateAuthResponse(as, client, flow.callback!, state);

    const exchange = () =>
      oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT_URI, verifier, { DPoP: dpop, ...insecure });
    let tokens: oauth.TokenEndpointResponse;
    try {
      tokens = await oauth.processAuthorizationCodeResponse(as, client, await exchange());
    } catch (err) {
      if (!oauth.isDPoPNonceError(err)) throw err;
      tokens = await oauth.processAuthorizationCodeResponse(as, client, await exchange());
    }
    expect(tokens.token_type).to.equal('dpop');
    expect(tokens.status).to.equal('approved');
  });
});
