import { createHash, randomBytes } from 'node:crypto';

import { expect } from 'chai';

import { accountsParams, registerWebClient, tokenRequest } from '../support/code_grant.ts';
import { authorize, createCustomer, Flow } from '../support/flow.ts';
import { basic, expectOAuthError, json, postForm, registerClient, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe('RFC 9700 §2.1.1 / RFC 7636 PKCE: S256 required for every client', () => {
  const fx = useServerOnRedis();
  let basicClient: RegisteredClient;
  let postClient: RegisteredClient;

  before(async () => {
    basicClient = await registerWebClient(fx.srv, 'Confidential (basic)');
    postClient = await registerClient(fx.srv, {
      name: 'Confidential (post)',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [accountsParams(basicClient).redirect_uri],
      scope: 'openid accounts:read',
      authMethod: 'client_secret_post',
    });
  });

  async function authorizationError(client: RegisteredClient, params: Record<string, string>): Promise<URLSearchParams> {
    const flow = await Flow.start(fx.srv.url, { ...accountsParams(client), ...params });
    expect(flow.callback, `expected an error redirect, got a page at ${flow.page?.url.pathname}`).to.be.instanceOf(URL);
    return flow.callback!.searchParams;
  }

  const redeem = (client: RegisteredClient, flow: Flow, verifier: string | undefined) => {
    const form: Record<string, string> = { grant_type: 'authorization_code', code: flow.code(), redirect_uri: flow.params.redirect_uri };
    if (verifier !== undefined) form.code_verifier = verifier;
    return tokenRequest(fx.srv, client, form);
  };

  const login = async (client: RegisteredClient) => authorize(fx.srv.url, accountsParams(client), await createCustomer(fx.srv.deps));

  describe('RFC 7636 §4.4.1 the authorization request must carry an S256 code_challenge', () => {
    for (const [label, client] of [
      ['client_secret_basic', () => basicClient],
      ['client_secret_post', () => postClient],
    ] as const) {
      it(`refuses a request without code_challenge from a confidential ${label} client`, async () => {
        const params = await authorizationError(client(), { code_challenge: '', code_challenge_method: '' });
        expect(params.get('error')).to.equal('invalid_request');
        expect(params.get('code')).to.equal(null);
      });
    }

    it('refuses code_challenge_method=plain (RFC 7636 §7.2)', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const params = await authorizationError(basicClient, { code_challenge: verifier, code_challenge_method: 'plain' });
      expect(params.get('error')).to.equal('invalid_request');
    });

    it('refuses a code_challenge without code_challenge_method instead of assuming plain (RFC 7636 §4.3 default)', async () => {
      const params = await authorizationError(basicClient, { code_challenge_method: '' });
      expect(params.get('error')).to.equal('invalid_request');
    });

    for (const method of ['s256', 'SHA256', 'S512', 'none']) {
      it(`refuses code_challenge_method=${method}`, async () => {
        expect((await authorizationError(basicClient, { code_challenge_method: method })).get('error')).to.equal('invalid_request');
      });
    }

    for (const [label, challenge] of [
      ['too short', 'abc'],
      ['too long', 'a'.repeat(129)],
      ['not base64url', `${'a'.repeat(42)}+`],
    ]) {
      it(`refuses a code_challenge that is ${label}`, async () => {
        expect((await authorizationError(basicClient, { code_challenge: challenge! })).get('error')).to.equal('invalid_request');
      });
    }

    it('refuses a pushed authorization request without code_challenge (RFC 9126 §2.1)', async () => {
      const res = await postForm(
        `${fx.srv.url}/request`,
        { ...accountsParams(basicClient), response_type: 'code', state: 's' },
        { authorization: basic(basicClient.client_id, basicClient.client_secret) },
      );
      await expectOAuthError(res, 400, 'invalid_request');
    });

    it('discovery advertises S256 only', async () => {
      const meta = await json(await fetch(`${fx.srv.url}/.well-known/oauth-authorization-server`));
      expect(meta.code_challenge_methods_supported).to.deep.equal(['S256']);
    });
  });

  describe('RFC 9700 §4.8 PKCE downgrade and RFC 7636 §4.6 verification at the token endpoint', () => {
    it('refuses a code redeemed without code_verifier (downgrade)', async () => {
      await expectOAuthError(await redeem(basicClient, await login(basicClient), undefined), 400, 'invalid_grant');
    });

    it('refuses a code redeemed with an empty code_verifier', async () => {
      const res = await redeem(basicClient, await login(basicClient), '');
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_grant');
    });

    it('refuses a wrong code_verifier', async () => {
      await expectOAuthError(
        await redeem(basicClient, await login(basicClient), randomBytes(32).toString('base64url')),
        400,
        'invalid_grant',
      );
    });

    it('refuses the code_challenge itself as verifier (a plain comparison)', async () => {
      const flow = await login(basicClient);
      await expectOAuthError(await redeem(basicClient, flow, flow.pkce.challenge), 400, 'invalid_grant');
    });

    it('refuses a verifier whose S256 is right but that is shorter than 43 characters (RFC 7636 §4.1)', async () => {
      const verifier = 'short-verifier';
      const customer = await createCustomer(fx.srv.deps);
      const flow = await authorize(fx.srv.url, { ...accountsParams(basicClient), code_challenge: s256(verifier) }, customer);
      const res = await redeem(basicClient, flow, verifier);
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.equal('invalid_request');
    });

    it('positive control: the right verifier is accepted once', async () => {
      const flow = await login(basicClient);
      const res = await redeem(basicClient, flow, flow.pkce.verifier);
      expect(res.status, await res.clone().text()).to.equal(200);
    });
  });
});
