import { expect } from 'chai';

import { accountsParams, ACCOUNTS_API, redeemCode, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { basic, json, postForm, type RegisteredClient, type TestServer, useServerOnRedis } from '../support/server.ts';

function listedScopes(flow: Flow): string[] {
  return [...flow.html.matchAll(/<span class="scope">([^<]+)<\/span>/g)].map((m) => m[1]!);
}

async function toConsent(srv: TestServer, tpp: RegisteredClient, customer: TestCustomer, scope: string, state?: string): Promise<Flow> {
  const flow = await Flow.start(srv.url, { ...accountsParams(tpp, scope), ...(state ? { state } : {}) });
  await flow.login(customer.username, customer.password);
  await flow.otp(customer.nextCode());
  return flow;
}

describe('interaction: consent (RFC 6749 §4.1.1–4.1.2)', () => {
  const fx = useServerOnRedis();
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    tpp = await registerWebClient(srv);
  });

  it('names the application, the customer, each API and each scope with its description, and offers Allow and Deny', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await toConsent(srv, tpp, customer, 'openid accounts:read accounts:write');
    const { html } = flow;
    expect(html).to.include('<h1>Allow Budget Buddy access?</h1>');
    expect(html).to.include(`You are logged in as ${customer.username}. Budget Buddy asks for permission to:`);
    expect(html).to.include('<h2 id="perm-accounts">Accounts</h2>');
    expect(html).to.include('See your accounts, balances and transactions');
    expect(html).to.include('Change account settings such as nicknames and notifications');
    expect(html).to.include('<h2 id="perm-identity">Your identity</h2>');
    expect(listedScopes(flow).sort()).to.deep.equal(['accounts:read', 'accounts:write', 'openid']);
    expect(html).to.match(/<button type="submit" name="decision" value="allow" class="primary">Allow<\/button>/);
    expect(html).to.match(/<button type="submit" name="decision" value="deny" class="secondary">Deny<\/button>/);
  });

  it('Deny ends at the redirect URI with access_denied, the state and iss (RFC 9207)', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await toConsent(srv, tpp, customer, 'openid accounts:read', 'deny-state');
    const res = await flow.consent('deny');
    expect(res.status).to.equal(303);
    const params = flow.callback!.searchParams;
    expect(params.get('error')).to.equal('access_denied');
    expect(params.get('error_description')).to.be.a('string');
    expect(params.get('state')).to.equal('deny-state');
    expect(params.get('iss')).to.equal(srv.url);
    expect(params.has('code')).to.equal(false);
  });

  it('Allow ends at the redirect URI with a code, the state and iss', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await toConsent(srv, tpp, customer, 'openid accounts:read', 'allow-state');
    const res = await flow.consent('allow');
    expect(res.status).to.equal(303);
    expect(flow.code()).to.be.a('string');
    expect(flow.callback!.searchParams.get('state')).to.equal('allow-state');
  });

  it('is remembered per customer and client: the next authorization (in another browser) goes straight to the code', async () => {
    const customer = await createCustomer(srv.deps);
    await authorize(srv.url, accountsParams(tpp), customer);
    const again = await toConsent(srv, tpp, customer, 'openid accounts:read');
    expect(again.page, 'no consent page').to.equal(undefined);
    expect(again.code()).to.be.a('string');
  });

  it('asks only for what is new when more scopes are requested later, and the token then carries all of them', async () => {
    const customer = await createCustomer(srv.deps);
    await authorize(srv.url, accountsParams(tpp, 'openid accounts:read'), customer);
    const more = await toConsent(srv, tpp, customer, 'openid accounts:read accounts:write');
    expect(listedScopes(more)).to.deep.equal(['accounts:write']);
    expect(more.html).not.to.include('See your accounts, balances and transactions');
    await more.consent('allow');
    const body = await json(await redeemCode(srv, tpp, more));
    expect(body.scope.split(' ').sort()).to.deep.equal(['accounts:read', 'accounts:write', 'openid']);
    expect(body.id_token).to.be.a('string');
  });

  it('prompt=consent asks again, listing everything requested', async () => {
    const customer = await createCustomer(srv.deps);
    await authorize(srv.url, accountsParams(tpp), customer);
    const flow = await Flow.start(srv.url, { ...accountsParams(tpp), prompt: 'consent' });
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    expect(listedScopes(flow).sort()).to.deep.equal(['accounts:read', 'openid']);
    await flow.consent('allow');
    expect(flow.code()).to.be.a('string');
  });

  it("is not shared between customers, nor between one customer's clients", async () => {
    const [first, second] = await Promise.all([createCustomer(srv.deps), createCustomer(srv.deps)]);
    const otherApp = await registerWebClient(srv, 'Other App');
    await authorize(srv.url, accountsParams(tpp), first);
    const otherCustomer = await toConsent(srv, tpp, second, 'openid accounts:read');
    expect(otherCustomer.html).to.include('Allow Budget Buddy access?');
    const otherClient = await toConsent(srv, otherApp, first, 'openid accounts:read');
    expect(otherClient.html).to.include('Allow Other App access?');
  });

  it('is asked again after the grant was revoked (RFC 7009 revocation of its refresh token)', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await authorize(srv.url, accountsParams(tpp), customer);
    const tokens = await json(await redeemCode(srv, tpp, flow));
    const res = await postForm(
      `${srv.url}/token/revocation`,
      { token: tokens.refresh_token },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );
    expect(res.status).to.equal(200);
    const again = await toConsent(srv, tpp, customer, 'openid accounts:read');
    expect(again.html).to.include('Allow Budget Buddy access?');
  });

  it('the remembered grant holds the API scopes under the API (grant.addResourceScope) and openid as an OIDC scope', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await authorize(srv.url, accountsParams(tpp), customer);
    const tokens = await json(await redeemCode(srv, tpp, flow));
    const introspection = await json(
      await postForm(
        `${srv.url}/token/introspection`,
        { token: tokens.access_token },
        { authorization: basic(tpp.client_id, tpp.client_secret) },
      ),
    );
    expect(introspection.active).to.equal(true);
    expect(introspection.aud).to.equal(ACCOUNTS_API);
    expect(introspection.sub).to.equal(customer.sub);
    expect(introspection.scope).to.equal('openid accounts:read'); // openid too: the API token serves userinfo
  });

  it('a consent page still answers after another sign-in in the same browser renewed the session (its id changed, its uid not)', async () => {
    const customer = await createCustomer(srv.deps);
    const other = await registerWebClient(srv, 'Other App');
    const first = await toConsent(srv, tpp, customer, 'openid accounts:read');
    const second = await Flow.start(srv.url, accountsParams(other), first.agent);
    await second.login(customer.username, customer.password);
    await second.otp(customer.nextCode());
    await second.consent('allow');
    expect(second.code(), 'the second sign-in ended, renewing the session').to.be.a('string');
    await first.consent('allow');
    expect(first.code()).to.be.a('string');
  });

  it('a consent form sent twice records one answer: the second resumes where the first leads, and the flow ends with one code', async () => {
    const customer = await createCustomer(srv.deps);
    const flow = await toConsent(srv, tpp, customer, 'openid accounts:read');
    const action = flow.formAction();
    const form = { csrf: flow.field('csrf'), decision: 'allow' };
    const first = await flow.agent.request(action, { form });
    const second = await flow.agent.request(action, { form });
    expect(first.status).to.equal(303);
    expect(second.status).to.equal(303);
    expect(second.headers.get('location')).to.equal(first.headers.get('location'));
    const resumed = await flow.agent.request(new URL(first.headers.get('location')!, action));
    const callback = new URL(resumed.headers.get('location')!);
    expect(callback.searchParams.get('code')).to.be.a('string');
    const grantKeys = await fx.store.probe.keys(`${fx.store.prefix}Grant:*`);
    const grants = (await Promise.all(grantKeys.map((k) => fx.store.probe.get(k)))).filter((v) => v?.includes(customer.sub));
    expect(grants, 'grants of this customer').to.have.length(1);
  });
});
