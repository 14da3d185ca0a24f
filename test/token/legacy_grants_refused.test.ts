import { expect } from 'chai';

import { accountsParams, registerWebClient, responseParams } from '../support/code_grant.ts';
import { createCustomer, Flow } from '../support/flow.ts';
import { basic, json, postForm, registerClient, type RegisteredClient, storeClientUnchecked, useServerOnRedis } from '../support/server.ts';

const TOKEN_PARAMS = ['access_token', 'id_token', 'token_type', 'code'];
/**
 * The refusal of each response type: one the server does not offer is unsupported_response_type
 * (RFC 6749 §4.1.2.1); `id_token token` is offered to flagged clients only, and oidc-provider
 * refuses it to others with invalid_request.
 */
const REFUSALS: Record<string, string> = {
  token: 'unsupported_response_type',
  id_token: 'unsupported_response_type',
  'id_token token': 'invalid_request',
  'code token': 'unsupported_response_type',
  'code id_token': 'unsupported_response_type',
  'code id_token token': 'unsupported_response_type',
  none: 'unsupported_response_type',
};

/**
 * A server once shipped "disabled" grants that still worked. Implicit and password exist here
 * for clients registered with the legacy flag (README "Legacy grants"); every other client, and every
 * client of a high API, must get no token from them, even with a real customer's credentials.
 */
describe('RFC 9700 §2.1.2 implicit and §2.4 password grants are refused for ordinary clients', () => {
  const fx = useServerOnRedis();
  let web: RegisteredClient;
  let cc: RegisteredClient;

  before(async () => {
    web = await registerWebClient(fx.srv, 'Ordinary web client');
    cc = await registerClient(fx.srv, { name: 'Ordinary service client' });
  });

  /** A password grant request with a real customer's password and a valid one-time code. */
  async function passwordGrant(client: RegisteredClient, scope: string): Promise<Response> {
    const customer = await createCustomer(fx.srv.deps);
    return postForm(
      `${fx.srv.url}/token`,
      { grant_type: 'password', username: customer.username, password: customer.password, otp: customer.nextCode(), scope },
      { authorization: basic(client.client_id, client.client_secret) },
    );
  }

  async function expectNoToken(res: Response): Promise<void> {
    const text = await res.text();
    expect(res.status, text).to.equal(400);
    expect(text).not.to.contain('access_token');
  }

  describe('RFC 9700 §2.1.2 implicit and hybrid response types', () => {
    for (const [responseType, refusal] of Object.entries(REFUSALS)) {
      it(`response_type=${responseType} from an ordinary client gets ${refusal} and no token anywhere`, async () => {
        const flow = await Flow.start(fx.srv.url, {
          ...accountsParams(web, 'openid accounts:read'),
          response_type: responseType,
          nonce: 'n-0S6_WzA2Mj',
        });
        expect(flow.callback, `ended on a page (${flow.page?.status}) instead of an error response`).to.be.instanceOf(URL);
        const params = responseParams(flow.callback!);
        expect(params.get('error')).to.equal(refusal);
        for (const name of TOKEN_PARAMS) expect(params.get(name), name).to.equal(null);
      });
    }

    it('discovery offers no bare token and no hybrid response type', async () => {
      const meta = await json(await fetch(`${fx.srv.url}/.well-known/openid-configuration`));
      expect(meta.response_types_supported).to.include('code');
      for (const type of meta.response_types_supported as string[]) expect(['code', 'id_token token'], type).to.include(type);
    });
  });

  describe('RFC 9700 §2.4 resource owner password credentials', () => {
    it('grant_type=password with a real customer’s password and code gets no token (ordinary web client)', async () => {
      await expectNoToken(await passwordGrant(web, 'accounts:read'));
    });

    it('grant_type=password with a real customer’s password and code gets no token (ordinary service client)', async () => {
      await expectNoToken(await passwordGrant(cc, 'public:read'));
    });

    it('a client stored with the legacy grants but without the legacy flag gets no password token', async () => {
      const stored = await storeClientUnchecked(fx.srv, {
        grant_types: ['password', 'implicit', 'authorization_code'],
        response_types: ['code'],
        scope: 'accounts:read',
        redirect_uris: ['https://tpp.example.com/cb'],
      });
      await expectNoToken(await passwordGrant(stored, 'accounts:read'));
    });

    it('a flagged client of a high API, stored past the registration policy, gets no password token', async () => {
      const stored = await storeClientUnchecked(fx.srv, {
        grant_types: ['password', 'authorization_code'],
        response_types: ['code'],
        scope: 'payments:write',
        legacy_grants: true,
        redirect_uris: ['https://tpp.example.com/cb'],
      });
      await expectNoToken(await passwordGrant(stored, 'payments:write'));
    });
  });

  it('RFC 9700 §2.1.2 a flagged client of a high API, stored past the registration policy, gets no implicit token', async () => {
    const redirect = 'https://tpp.example.com/cb';
    const stored = await storeClientUnchecked(fx.srv, {
      grant_types: ['implicit'],
      response_types: ['id_token token'],
      scope: 'openid payments:write',
      legacy_grants: true,
      redirect_uris: [redirect],
    });
    const res = await fetch(
      `${fx.srv.url}/auth?${new URLSearchParams({ client_id: stored.client_id, response_type: 'id_token token', redirect_uri: redirect, scope: 'openid payments:write', nonce: 'n', state: 's' })}`,
      { redirect: 'manual' },
    );
    const location = res.headers.get('location') ?? '';
    expect(location).not.to.match(/^\/interaction\//);
    for (const name of TOKEN_PARAMS) expect(location).not.to.contain(`${name}=`);
    expect(res.status).to.equal(400);
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
        expect((await json(res)).error).to.equal('unsupported_grant_type');
      });
    }
  });
});
