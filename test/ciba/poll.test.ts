import { expect } from 'chai';

import { createCustomer, type TestCustomer } from '../support/flow.ts';
import { expectOAuthError, json, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { ApprovalAgent, pollToken, registerCibaClient, startCibaServer, startRequest } from './support.ts';

describe('CIBA poll mode: the token endpoint status lifecycle (CIBA Core §10–11, README "Token response profiles")', function () {
  this.timeout(30_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let client: RegisteredClient;
  let customer: TestCustomer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startCibaServer(store);
    client = await registerCibaClient(srv);
    customer = await createCustomer(srv.deps);
  });
  after(async () => {
    await srv.close();
    await store.close();
  });

  it('discovery names the backchannel endpoint and both delivery modes', async () => {
    const meta = await json(await fetch(`${srv.url}/.well-known/openid-configuration`));
    expect(meta.backchannel_authentication_endpoint).to.equal(`${srv.url}/backchannel`);
    expect(meta.backchannel_token_delivery_modes_supported).to.have.members(['poll', 'ping']);
    expect(meta.grant_types_supported).to.include('urn:openid:params:grant-type:ciba');
  });

  it('a waiting request answers authorization_pending with status pending, a fast poll slow_down with status pending', async () => {
    const started = await startRequest(srv, client, { login_hint: customer.username, binding_message: 'K-4711', requested_expiry: '120' });
    expect(started).to.have.keys('auth_req_id', 'expires_in', 'interval');
    expect(started.expires_in).to.be.within(119, 120);
    expect(started.interval).to.equal(1);
    const first = await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'authorization_pending');
    expect(first).to.include({ status: 'pending' });
    const second = await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'slow_down');
    expect(second).to.include({ status: 'pending' });
  });

  it('after Approve on the approval page the token response is the usual one with status approved', async () => {
    const started = await startRequest(srv, client, { login_hint: customer.username, binding_message: 'K-0001' });
    const page = new ApprovalAgent(srv);
    await page.signIn(customer);
    expect(page.html).to.include('K-0001').and.to.include('Kassa Kiosk');
    expect(await page.answer(started.auth_req_id, 'allow')).to.include('Approved.');
    const res = await pollToken(srv, client, started.auth_req_id);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(body).to.include({ status: 'approved', token_type: 'Bearer', refresh_count: 0 });
    expect(body.scope).to.equal('accounts:read'); // the access token's scope, as the code grant answers
    expect(body.id_token).to.be.a('string');
    expect(res.headers.get('cache-control')).to.equal('no-store');

    // CIBA Core §7.1: the ID token just issued names the same customer in a later request
    const again = await startRequest(srv, client, { id_token_hint: body.id_token, binding_message: 'K-0002' });
    await page.open();
    expect(page.html).to.include('K-0002');
    await expectOAuthError(await pollToken(srv, client, again.auth_req_id), 400, 'authorization_pending');
  });

  it('after Deny the token endpoint answers access_denied with status rejected', async () => {
    const started = await startRequest(srv, client, { login_hint: customer.username });
    const page = new ApprovalAgent(srv);
    await page.signIn(customer);
    expect(await page.answer(started.auth_req_id, 'deny')).to.include('Denied.');
    const body = await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'access_denied');
    expect(body).to.include({ status: 'rejected' });
  });

  it('of five concurrent polls after the approval exactly one gets tokens; the rest are invalid_grant, never a 5xx', async () => {
    const started = await startRequest(srv, client, { login_hint: customer.username });
    const page = new ApprovalAgent(srv);
    await page.signIn(customer);
    await page.answer(started.auth_req_id, 'allow');
    const answers = await Promise.all(Array.from({ length: 5 }, () => pollToken(srv, client, started.auth_req_id)));
    expect(answers.filter((r) => r.status === 200)).to.have.length(1);
    for (const refused of answers.filter((r) => r.status !== 200)) await expectOAuthError(refused, 400, 'invalid_grant');
  });
});
