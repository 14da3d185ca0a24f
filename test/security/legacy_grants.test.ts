import { expect } from 'chai';

import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, Flow } from '../support/flow.ts';
import { basic, json, postForm, registerClient, storeClientUnchecked, type RegisteredClient } from '../support/server.ts';
import { responseParams, useServerOnRedis } from './fixture.ts';

const TOKEN_PARAMS = ['access_token', 'id_token', 'token_type', 'code'];

describe('RFC 9700 §2.1.2 implicit and §2.4 password grants are refused for ordinary clients', () => {
  const fx = useServerOnRedis();
  let web: RegisteredClient;
  let cc: RegisteredClient;

  before(async () => {
    web = await registerWebClient(fx.srv, 'Ordinary web client');
    cc = await registerClient(fx.srv, { name: 'Ordinary service client' });
  });

  describe('RFC 9700 §2.1.2 implicit and hybrid response types', () => {
    for (const responseType of ['token', 'id_token', 'id_token token', 'code token', 'code id_token', 'code id_token token', 'none']) {
      it(`response_type=${responseType} gets unsupported_response_type and no token anywhere`, async () => {
        const flow = await Flow.start(fx.srv.url, {
          ...accountsParams(web, 'openid accounts:read'),
          response_type: responseType,
          nonce: 'n-0S6_WzA2Mj',
        });
        expect(flow.callback, `ended on a page (${flow.page?.status}) instead of an error response`).to.be.instanceOf(URL);
        const params = responseParams(flow.callback!);
        expect(params.get('error')).to.be.oneOf(['unsupported_response_type', 'unauthorized_client']);
        for (const name of TOKEN_PARAMS) expect(params.get(name), name).to.equal(null);
      });
    }

    it('discovery offers response_type code only', async () => {
      const meta = await json(await fetch(`${fx.srv.url}/.well-known/openid-configuration`));
      expect(meta.response_types_supported).to.deep.equal(['code']);
      expect(meta.grant_types_supported).not.to.include.oneOf(['implicit', 'password']);
    });
  });

  describe('RFC 9700 §2.4 resource owner password credentials', () => {
    it('grant_type=password with a real customer’s credentials gets no token (web client)', async () => {
      const customer = await createCustomer(fx.srv.deps);
      const res = await postForm(
        `${fx.srv.url}/token`,
        { grant_type: 'password', username: customer.username, password: customer.password, scope: 'accounts:read' },
        { authorization: basic(web.client_id, web.client_secret) },
      );
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.be.oneOf(['unsupported_grant_type', 'unauthorized_client']);
    });

    it('grant_type=password gets no token (client credentials client)', async () => {
      const customer = await createCustomer(fx.srv.deps);
      const res = await postForm(
        `${fx.srv.url}/token`,
        { grant_type: 'password', username: customer.username, password: customer.password },
        { authorization: basic(cc.client_id, cc.client_secret) },
      );
      expect(res.status).to.equal(400);
      expect((await json(res)).error).to.be.oneOf(['unsupported_grant_type', 'unauthorized_client']);
    });

    it('a client stored with the legacy grants but without the legacy flag still gets no password token', async () => {
      const customer = await createCustomer(fx.srv.deps);
      const stored = await storeClientUnchecked(fx.srv, {
        grant_types: ['password', 'implicit', 'authorization_code'],
        response_types: ['code'],
        scope: 'accounts:read',
        redirect_uris: ['https://tpp.example.com/cb'],
      });
      const res = await postForm(
        `${fx.srv.url}/token`,
        { grant_type: 'password', username: customer.username, password: customer.password },
        { authorization: basic(stored.client_id, stored.client_secret) },
      );
      expect(res.status).to.be.within(400, 401);
      expect(await res.text()).not.to.contain('access_token');
    });
  });

  describe('RFC 6749 §5.2 grants that are not switched on', () => {
    for (const grantType of [
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      'urn:ietf:params:oauth:grant-type:saml2-bearer',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:openid:params:grant-type:ciba',
      'implicit',
      'client_credentials ',
      'CLIENT_CREDENTIALS',
    ]) {
      it(`grant_type=${grantType} gets unsupported_grant_type`, async () => {
        const res = await postForm(
          `${fx.srv.url}/token`,
          { grant_type: grantType, scope: 'public:read' },
          { authorization: basic(cc.client_id, cc.client_secret) },
        );
        expect(res.status).to.equal(400);
        expect((await json(res)).error).to.be.oneOf(['unsupported_grant_type', 'unauthorized_client', 'invalid_request']);
      });
    }
  });
});
