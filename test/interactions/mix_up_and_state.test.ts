import { expect } from 'chai';

import { accountsParams, registerWebClient, responseParams } from '../support/code_grant.ts';
import { authorize, createCustomer, Flow } from '../support/flow.ts';
import { json, type RegisteredClient, useServerOnRedis } from '../support/server.ts';

// characters a client may put in state (RFC 6749 Appendix A.5: %x20-7E), all to be returned exactly
const STATE = 'a b&c=d/e?f#g%h+i"j<k>\'l~';

describe('RFC 9207 §2 issuer and RFC 6749 §4.1.2 state in every authorization response', () => {
  const fx = useServerOnRedis();
  let tpp: RegisteredClient;

  before(async () => {
    tpp = await registerWebClient(fx.srv);
  });

  const start = (extra: Record<string, string> = {}) => Flow.start(fx.srv.url, { ...accountsParams(tpp), state: STATE, ...extra });

  /** RFC 9207 §2: iss equals the issuer; RFC 6749 §4.1.2.1: state exactly as sent. */
  function expectIssAndState(params: URLSearchParams | undefined): void {
    expect(params, 'no authorization response').to.be.instanceOf(URLSearchParams);
    expect(params!.get('iss')).to.equal(fx.srv.url);
    expect(params!.get('state')).to.equal(STATE);
  }

  it('RFC 9207 §3 discovery says authorization_response_iss_parameter_supported', async () => {
    const meta = await json(await fetch(`${fx.srv.url}/.well-known/oauth-authorization-server`));
    expect(meta.authorization_response_iss_parameter_supported).to.equal(true);
    expect(meta.issuer).to.equal(fx.srv.url);
  });

  it('a successful response (code)', async () => {
    const flow = await authorize(fx.srv.url, { ...accountsParams(tpp), state: STATE }, await createCustomer(fx.srv.deps));
    expect(flow.callback!.searchParams.get('code')).to.be.a('string');
    expectIssAndState(flow.callback!.searchParams);
  });

  it('access_denied when the customer denies consent', async () => {
    const customer = await createCustomer(fx.srv.deps);
    const flow = await start();
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    await flow.consent('deny');
    expect(flow.callback!.searchParams.get('error')).to.equal('access_denied');
    expectIssAndState(flow.callback!.searchParams);
  });

  it('access_denied when the customer cancels at the login page', async () => {
    const flow = await start();
    await flow.cancel();
    expect(flow.callback!.searchParams.get('error')).to.equal('access_denied');
    expectIssAndState(flow.callback!.searchParams);
  });

  const requestErrors: Record<string, [Record<string, string>, string]> = {
    'invalid_scope for an unknown scope': [{ scope: 'nope:nope' }, 'invalid_scope'],
    'invalid_scope for a scope the client is not registered for': [{ scope: 'payments:write' }, 'invalid_scope'],
    'invalid_request for a missing code_challenge': [{ code_challenge: '' }, 'invalid_request'],
    'invalid_request for plain PKCE': [{ code_challenge_method: 'plain' }, 'invalid_request'],
    'login_required for prompt=none': [{ prompt: 'none' }, 'login_required'],
    'invalid_request for a bad max_age': [{ max_age: 'soon' }, 'invalid_request'],
    'invalid_target for an unknown resource': [{ resource: 'https://elsewhere.example/' }, 'invalid_target'],
  };
  for (const [label, [extra, error]] of Object.entries(requestErrors)) {
    it(label, async () => {
      const flow = await start(extra);
      expect(flow.callback, `ended on a page: ${flow.page?.status}`).to.be.instanceOf(URL);
      expect(flow.callback!.searchParams.get('error')).to.equal(error);
      expectIssAndState(flow.callback!.searchParams);
    });
  }

  it('unsupported_response_type (in the fragment, as the requested type implies)', async () => {
    const flow = await start({ response_type: 'token' });
    expect(flow.callback, `ended on a page: ${flow.page?.status}`).to.be.instanceOf(URL);
    const params = responseParams(flow.callback!);
    expect(params.get('error')).to.equal('unsupported_response_type');
    expectIssAndState(params);
  });
});
