import { expect } from 'chai';

import { createCustomer, type TestCustomer } from '../support/flow.ts';
import { expectOAuthError, json, storeClientUnchecked, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { ApprovalAgent, backchannel, CIBA_GRANT, pollToken, registerCibaClient, startCibaServer, startRequest } from './support.ts';

const MAX_PENDING = 3;

describe('CIBA backchannel authentication endpoint: customers, bounds and answers (CIBA Core §7, §13)', function () {
  this.timeout(30_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let client: RegisteredClient;
  let customer: TestCustomer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startCibaServer(store, {
      CIBA_MAX_PENDING: String(MAX_PENDING),
      LOCKOUT_MAX_FAILURES: '1',
      RATE_LIMIT_CLIENT_AUTH_FAILURES: '3',
    });
    client = await registerCibaClient(srv);
    customer = await createCustomer(srv.deps);
  });
  after(async () => {
    await srv.close();
    await store.close();
  });

  it('an unknown username and a locked customer get the same answer as any customer, then authorization_pending', async () => {
    const locked = await createCustomer(srv.deps);
    // the account-wide lock follows a wrong one-time code after the right password (README "Lockout policy")
    expect((await srv.deps.accounts.authenticator.checkPassword(locked.username, locked.password, '127.0.0.1')).ok).to.equal(true);
    expect(await srv.deps.accounts.authenticator.checkCode(locked.sub, '000000', '127.0.0.1')).to.equal('locked');
    expect(await srv.deps.accounts.accounts.status(locked.sub)).to.equal('locked');
    const known = await startRequest(srv, client, { login_hint: (await createCustomer(srv.deps)).username });
    for (const hint of ['nobody.here', locked.username]) {
      const started = await startRequest(srv, client, { login_hint: hint });
      expect(Object.keys(started).sort()).to.deep.equal(Object.keys(known).sort());
      expect(started.expires_in).to.equal(known.expires_in);
      const body = await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'authorization_pending');
      expect(body).to.include({ status: 'pending' });
    }
  });

  for (const who of ['a customer', 'an unknown username']) {
    it(`of ${MAX_PENDING * 2} concurrent requests for ${who}, exactly ${MAX_PENDING} wait; the rest are access_denied`, async () => {
      const hint = who === 'a customer' ? (await createCustomer(srv.deps)).username : `ghost.${Date.now()}`;
      const answers = await Promise.all(Array.from({ length: MAX_PENDING * 2 }, () => backchannel(srv, client, { login_hint: hint })));
      expect(answers.filter((r) => r.status === 200)).to.have.length(MAX_PENDING);
      for (const refused of answers.filter((r) => r.status !== 200)) await expectOAuthError(refused, 400, 'access_denied');
    });
  }

  it('an approval names one customer: another customer posting the request id changes nothing', async () => {
    const started = await startRequest(srv, client, { login_hint: customer.username, binding_message: 'OWN-1' });
    const other = new ApprovalAgent(srv);
    await other.signIn(await createCustomer(srv.deps));
    expect(other.html).not.to.include('OWN-1');
    expect(await other.answer(started.auth_req_id, 'allow')).to.include('already answered, or it has expired');
    await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'authorization_pending');
  });

  it('an approval is used once: the replayed form is refused, and of Approve and Deny sent at once exactly one counts', async () => {
    const started = await startRequest(srv, client, { login_hint: customer.username });
    const [first, second] = [new ApprovalAgent(srv), new ApprovalAgent(srv)];
    await first.signIn(customer);
    await second.signIn(customer);
    const pages = await Promise.all([first.answer(started.auth_req_id, 'allow'), second.answer(started.auth_req_id, 'deny')]);
    const counted = pages.filter((html) => html.includes('Approved.') || html.includes('Denied.'));
    expect(counted).to.have.length(1);
    expect(await first.answer(started.auth_req_id, 'allow')).to.include('already answered, or it has expired');
    const res = await pollToken(srv, client, started.auth_req_id);
    expect(res.status).to.equal(counted[0]!.includes('Approved.') ? 200 : 400);
  });

  it('a binding message outside the plain set is invalid_binding_message', async () => {
    await expectOAuthError(
      await backchannel(srv, client, { login_hint: customer.username, binding_message: '<b>hi</b>' }),
      400,
      'invalid_binding_message',
    );
  });

  it('requested_expiry shortens the wait but never lengthens it past CIBA_MAX_EXPIRY', async () => {
    expect((await startRequest(srv, client, { login_hint: customer.username, requested_expiry: '30' })).expires_in).to.equal(30);
    expect((await startRequest(srv, client, { login_hint: 'someone.else', requested_expiry: '86400' })).expires_in).to.equal(300);
  });

  it('login_hint_token is not supported: invalid_request', async () => {
    await expectOAuthError(await backchannel(srv, client, { login_hint_token: 'x.y.z' }), 400, 'invalid_request');
  });

  it('a high API is never reached through CIBA: registration is refused and a stored client gets unauthorized_client', async () => {
    let refused: Error | undefined;
    await registerCibaClient(srv, { scope: 'payments:write' }).catch((err: Error) => (refused = err));
    expect(refused?.message).to.match(/grant urn:openid:params:grant-type:ciba refused/);
    const high = await storeClientUnchecked(srv, {
      grant_types: [CIBA_GRANT],
      backchannel_token_delivery_mode: 'poll',
      scope: 'openid payments:write',
    });
    const res = await backchannel(srv, high, { login_hint: customer.username, scope: 'openid payments:write' });
    await expectOAuthError(res, 400, 'unauthorized_client');
  });

  it('a request answered on the page leaves the list, and the page shows nothing more to answer', async () => {
    const fresh = await createCustomer(srv.deps);
    const started = await startRequest(srv, client, { login_hint: fresh.username, binding_message: 'LIST-9' });
    const page = new ApprovalAgent(srv);
    await page.signIn(fresh);
    expect(page.html).to.include('LIST-9');
    const after = await page.answer(started.auth_req_id, 'allow');
    expect(after).not.to.include('LIST-9');
    expect(after).to.include('Nothing is waiting for your approval.');
    expect((await json(await pollToken(srv, client, started.auth_req_id))).status).to.equal('approved');
  });

  it('the approval page comes in Finnish, Swedish and English (README "Decoupled approval (CIBA)")', async () => {
    for (const [lang, heading] of [
      ['fi', 'Hyväksy pyyntöjä'],
      ['sv', 'Godkänn förfrågningar'],
      ['en', 'Approve requests'],
    ]) {
      const html = await (await fetch(`${srv.url}/approve?lang=${lang}`)).text();
      expect(html).to.include(`<html lang="${lang}"`).and.to.include(heading);
    }
  });

  it('the approval page needs both factors: a right password with a wrong code shows no request', async () => {
    const victim = await createCustomer(srv.deps);
    const started = await startRequest(srv, client, { login_hint: victim.username, binding_message: 'SCA-1' });
    const page = new ApprovalAgent(srv);
    await page.open();
    await page.post('/approve/login', { username: victim.username, password: victim.password });
    await page.open();
    await page.post('/approve/otp', { otp: '000000' });
    const html = await page.open();
    // this server locks after one failure (LOCKOUT_MAX_FAILURES=1): the page says so, and shows nothing
    expect(html).to.include('There is a problem').and.not.to.include('SCA-1');
    const decided = await page.post('/approve/decision', { request: started.auth_req_id, decision: 'allow' });
    expect(decided.status).to.equal(303);
    await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'authorization_pending');
  });

  it('failed client authentications at /backchannel count towards the same budget as at /token (429 past it)', async () => {
    const guesser = { ...client, client_secret: 'not-the-secret' };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await backchannel(srv, guesser, { login_hint: customer.username })).status);
    // three failures are evaluated (README "Operations": an attempt is reserved before it is checked); the fourth is refused unchecked
    expect(statuses).to.deep.equal([401, 401, 401, 429]);
  });
});
