import { expect } from 'chai';

import { Flow, createCustomer, type TestCustomer } from '../support/flow.ts';
import { REDIRECT_URI, registerWebClient, tokenRequest } from '../support/code_grant.ts';
import {
  expectOAuthError,
  json,
  registerClient,
  storeClientUnchecked,
  type RegisteredClient,
  type TestServer,
  useServerOnRedis,
} from '../support/server.ts';

const IMPLICIT_REDIRECT = 'https://oldapp.example/callback'; // never fetched: the test agent stops at it

describe('legacy grants (RFC 9700 §2.1.2, §2.4): off unless a client is flagged, never for high APIs', () => {
  const fx = useServerOnRedis({ LOCKOUT_MAX_FAILURES: '3' });
  let srv: TestServer;
  let customer: TestCustomer;
  let ordinary: RegisteredClient;
  let legacy: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    customer = await createCustomer(srv.deps);
    ordinary = await registerWebClient(srv);
    legacy = await registerClient(srv, {
      name: 'Old Mobile App',
      grantTypes: ['password', 'refresh_token', 'implicit'],
      redirectUris: [IMPLICIT_REDIRECT], // the implicit grant needs https redirect URIs
      scope: 'openid accounts:read',
      allowLegacyGrants: true,
    });
  });

  const passwordGrant = (client: RegisteredClient, form: Record<string, string>) =>
    tokenRequest(srv, client, {
      grant_type: 'password',
      username: customer.username,
      password: customer.password,
      scope: 'accounts:read',
      ...form,
    });

  describe('resource owner password credentials (RFC 6749 §4.3)', () => {
    it('is refused for an ordinary client, with no token', async () => {
      const res = await passwordGrant(ordinary, { otp: customer.nextCode() });
      expect(res.status).to.equal(400);
      const body = await json(res);
      expect(body.error).to.equal('unauthorized_client'); // RFC 6749 §5.2
      expect(body).not.to.have.property('access_token');
    });

    it('is refused for a stored client that lists it without the legacy flag', async () => {
      const sneaky = await storeClientUnchecked(srv, { grant_types: ['password'], scope: 'accounts:read' });
      const res = await passwordGrant(sneaky, { otp: customer.nextCode() });
      expect(res.status).to.equal(400);
      expect(await json(res)).not.to.have.property('access_token');
    });

    it('still needs the one-time code', async () => {
      await expectOAuthError(await passwordGrant(legacy, {}), 400, 'invalid_request');
    });

    it('issues tokens with the promised fields to a flagged client with both factors', async () => {
      const res = await passwordGrant(legacy, { otp: customer.nextCode() });
      const body = await json(res);
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(body).to.include({ token_type: 'Bearer', scope: 'accounts:read', status: 'approved', refresh_count: 0 });
      expect(body.refresh_token).to.be.a('string');
      expect(body.refresh_token_expires_in).to.be.a('number');
      expect(body.refresh_token_issued_at).to.be.a('number');
      const refreshed = await json(await tokenRequest(srv, legacy, { grant_type: 'refresh_token', refresh_token: body.refresh_token }));
      expect(refreshed.refresh_count).to.equal(1);
    });

    it('is never allowed for a high API', async () => {
      const res = await passwordGrant(legacy, { otp: '000000', scope: 'payments:write' });
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_scope');
      let refused: Error | undefined;
      await registerClient(srv, {
        name: 'X',
        grantTypes: ['password'],
        scope: 'payments:write',
        authMethod: 'private_key_jwt',
        jwksUri: 'https://tpp.example/jwks',
        allowLegacyGrants: true,
      }).catch((e: Error) => (refused = e));
      expect(refused?.message).to.match(/password/);
    });

    it('counts wrong passwords and codes towards the same lock as the login page', async () => {
      const victim = await createCustomer(srv.deps);
      for (let i = 0; i < 3; i += 1) {
        const res = await tokenRequest(srv, legacy, {
          grant_type: 'password',
          username: victim.username,
          password: 'wrong-password-123',
          otp: '000000',
          scope: 'accounts:read',
        });
        await expectOAuthError(res, 400, 'invalid_grant');
      }
      const locked = await tokenRequest(srv, legacy, {
        grant_type: 'password',
        username: victim.username,
        password: victim.password,
        otp: victim.nextCode(),
        scope: 'accounts:read',
      });
      // the right password and a fresh code are refused now: the account is locked
      await expectOAuthError(locked, 400, 'invalid_grant');
    });
  });

  describe('implicit (OpenID Connect id_token token)', () => {
    const implicitParams = (client: RegisteredClient) => ({
      client_id: client.client_id,
      redirect_uri: client === legacy ? IMPLICIT_REDIRECT : REDIRECT_URI,
      scope: 'openid accounts:read',
      response_type: 'id_token token',
      nonce: 'n-0S6_WzA2Mj',
    });

    it('is refused for an ordinary client: no token reaches the redirect URI', async () => {
      const flow = await Flow.start(srv.url, implicitParams(ordinary));
      const reached = flow.callback ? `${flow.callback.search}${flow.callback.hash}` : (flow.page?.html ?? '');
      expect(reached).not.to.contain('access_token');
      if (flow.callback) expect(reached).to.match(/error=(unauthorized_client|unsupported_response_type|invalid_request)/);
    });

    it('works for a flagged client, through login and one-time code', async () => {
      const customer = await createCustomer(srv.deps);
      const flow = await Flow.start(srv.url, implicitParams(legacy));
      await flow.login(customer.username, customer.password);
      await flow.otp(customer.nextCode());
      if (!flow.callback) await flow.consent('allow');
      const fragment = new URLSearchParams(flow.callback!.hash.slice(1));
      expect(fragment.get('access_token')).to.be.a('string');
      expect(fragment.get('id_token')).to.be.a('string');
      expect(fragment.get('token_type')).to.equal('Bearer');
    });
  });
});
