import { expect } from 'chai';
import { UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';

import { createMemoryStore } from '../../adapters/memory.ts';
import { REDIRECT_URI } from '../support/code_grant.ts';
import { pkce } from '../support/flow.ts';
import { registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('request objects in discovery and at the authorization endpoint (OIDC Discovery §3, OIDC Core §6.1)', () => {
  let srv: TestServer;

  before(async () => {
    srv = await startTestServer(createMemoryStore());
  });

  after(async () => {
    await srv?.close();
  });

  function unsigned(client: RegisteredClient, scope: string): string {
    return new UnsecuredJWT({
      client_id: client.client_id,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope,
      state: 'st',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    }).encode();
  }

  function authorize(client: RegisteredClient, request: string): Promise<Response> {
    const url = new URL('/auth', srv.url);
    url.search = new URLSearchParams({ client_id: client.client_id, response_type: 'code', request }).toString();
    return fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
  }

  it('discovery offers none and RS256 for request objects, as strict validators (Authlib) require, and RS256 for ID tokens', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
    expect(as.request_object_signing_alg_values_supported).to.include.members(['none', 'RS256']);
    expect(as.id_token_signing_alg_values_supported).to.include('RS256');
    expect(as.token_endpoint_auth_signing_alg_values_supported).not.to.include('none');
  });

  it('an unsigned request object for a substantial API starts the login with the parameters it holds', async () => {
    const tpp = await registerClient(srv, {
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      scope: 'openid accounts:read',
    });
    const res = await authorize(tpp, unsigned(tpp, 'openid accounts:read'));
    expect(res.status, await res.text()).to.equal(303);
    expect(new URL(res.headers.get('location')!, srv.url).pathname).to.match(/^\/interaction\//);
  });

  it('an unsigned request object from a client of a high API is refused (FAPI 2.0: signed or pushed requests only)', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const high = await registerClient(srv, {
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      scope: 'openid payments:write',
      authMethod: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', use: 'sig', alg: 'ES256' }] },
    });
    // the redirect URI inside an untrusted request object is not used: the error is shown as a page
    const res = await authorize(high, unsigned(high, 'openid payments:write'));
    expect(res.status).to.equal(400);
    expect(await res.text()).to.match(/<span class="scope">invalid_request/);
  });
});
