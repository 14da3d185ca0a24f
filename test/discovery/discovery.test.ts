import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import { json, startTestServer, type TestServer } from '../support/server.ts';

describe('discovery (RFC 8414, OpenID Connect Discovery 1.0) and health', () => {
  let srv: TestServer;

  before(async () => {
    srv = await startTestServer(createMemoryStore());
  });

  after(async () => {
    await srv?.close();
  });

  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    it(`serves ${path} with what is enabled and nothing that is not`, async () => {
      const res = await fetch(`${srv.url}${path}`);
      expect(res.status).to.equal(200);
      const meta = await json(res);
      expect(meta.issuer).to.equal(srv.config.issuer);
      expect(meta.grant_types_supported).to.include.members(['authorization_code', 'client_credentials', 'refresh_token']);
      expect(meta.token_endpoint_auth_methods_supported).to.have.members([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ]);
      expect(meta.code_challenge_methods_supported).to.deep.equal(['S256']);
      expect(meta.introspection_endpoint).to.equal(`${srv.url}/token/introspection`);
      expect(meta.revocation_endpoint).to.equal(`${srv.url}/token/revocation`);
      expect(meta.scopes_supported).to.include.members(['openid', 'public:read', 'accounts:read', 'accounts:write', 'payments:write']);
      expect(meta.authorization_response_iss_parameter_supported).to.equal(true);
      for (const algs of [meta.id_token_signing_alg_values_supported, meta.token_endpoint_auth_signing_alg_values_supported]) {
        expect(algs.some((a: string) => a.startsWith('HS'))).to.equal(false);
      }
    });
  }

  it('lists exactly the grants, response types and algorithms that are switched on (RFC 8414 §2)', async () => {
    const meta = await json(await fetch(`${srv.url}/.well-known/openid-configuration`));
    expect(meta.grant_types_supported).to.have.members([
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'implicit',
      'password',
      'urn:openid:params:grant-type:ciba',
    ]);
    expect(meta.response_types_supported).to.have.members(['code', 'id_token token']);
    expect(meta.dpop_signing_alg_values_supported).to.have.members(['ES256', 'PS256', 'EdDSA']);
    expect(meta.pushed_authorization_request_endpoint).to.equal(`${srv.url}/request`);
    expect(meta.require_pushed_authorization_requests ?? false).to.equal(false); // required per client: those of high APIs
    expect(meta.backchannel_authentication_endpoint).to.equal(`${srv.url}/backchannel`); // CIBA Core §4
    expect(meta.registration_endpoint).to.equal(`${srv.url}/reg`); // RFC 7591, behind initial access tokens
    for (const off of ['end_session_endpoint', 'device_authorization_endpoint']) {
      expect(meta, off).not.to.have.property(off);
    }
  });

  it('builds every endpoint URL from ISSUER, whatever Host or X-Forwarded-Host the request names (RFC 8414 §3), and lets caches keep it', async () => {
    const res = await fetch(`${srv.url}/.well-known/openid-configuration`, {
      headers: { host: 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'auth.other-bank.example' },
    });
    const meta = await json(res);
    expect(meta.issuer).to.equal(srv.url);
    for (const [name, value] of Object.entries(meta)) {
      if (name.endsWith('_endpoint') || name === 'jwks_uri') expect(value, name).to.satisfy((v: string) => v.startsWith(`${srv.url}/`));
    }
    expect(res.headers.get('cache-control')).to.equal('public, max-age=300');
  });

  it('answers /healthz and /readyz', async () => {
    expect(await json(await fetch(`${srv.url}/healthz`))).to.deep.equal({ status: 'ok' });
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).to.equal(200);
  });

  it('answers /readyz with 503 while /healthz stays 200 when the store does not answer', async () => {
    const down = await startTestServer({ ...createMemoryStore(), ping: () => Promise.reject(new Error('down')) });
    try {
      expect((await fetch(`${down.url}/healthz`)).status).to.equal(200);
      const res = await fetch(`${down.url}/readyz`);
      expect(res.status).to.equal(503);
    } finally {
      await down.close();
    }
  });
});
