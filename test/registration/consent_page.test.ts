import { expect } from 'chai';

import { Flow, createCustomer } from '../support/flow.ts';
import { REDIRECT_URI, accountsParams } from '../support/code_grant.ts';
import { registerClient, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

describe('consent page: the client metadata it registered (RFC 7591 §2 logo_uri, client_uri, policy_uri, tos_uri)', () => {
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

  it("shows the client's logo and links, allowing images from the logo's origin only", async () => {
    const tpp = await registerClient(srv, {
      name: 'Budget Buddy',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      scope: 'accounts:read',
      logoUri: 'https://cdn.buddy.example/logo.png',
      clientUri: 'https://buddy.example/',
      policyUri: 'https://buddy.example/privacy',
      tosUri: 'https://buddy.example/terms',
    });
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, accountsParams(tpp, 'accounts:read'));
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    expect(flow.html).to.contain('<img class="client-logo" src="https://cdn.buddy.example/logo.png" alt="Budget Buddy"');
    for (const href of ['https://buddy.example/', 'https://buddy.example/privacy', 'https://buddy.example/terms']) {
      expect(flow.html).to.contain(`href="${href}"`);
    }
    expect(flow.page!.headers.get('content-security-policy')).to.contain("img-src 'self' https://cdn.buddy.example;");
  });

  it('shows neither logo nor links for a client that registered none, and allows images from the server only', async () => {
    const tpp = await registerClient(srv, { grantTypes: ['authorization_code'], redirectUris: [REDIRECT_URI], scope: 'accounts:read' });
    const customer = await createCustomer(srv.deps);
    const flow = await Flow.start(srv.url, accountsParams(tpp, 'accounts:read'));
    await flow.login(customer.username, customer.password);
    await flow.otp(customer.nextCode());
    expect(flow.html).to.contain('decision').and.not.contain('client-logo');
    expect(flow.page!.headers.get('content-security-policy')).to.contain("img-src 'self';");
  });
});
