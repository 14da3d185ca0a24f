import { Writable } from 'node:stream';

import { expect } from 'chai';

import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, Flow } from '../support/flow.ts';
import { startTestServer, type Json } from '../support/server.ts';
import { openTestRedisStore } from '../support/stores.ts';

describe('audit: every line about a customer names them by username as well as by sub (README "Audit")', () => {
  it('login.failed, login.succeeded and consent.granted carry the username', async () => {
    const lines: Json[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Json);
        done();
      },
    });
    const store = await openTestRedisStore();
    const srv = await startTestServer(store, { LOG_LEVEL: 'info', REDIS_KEY_PREFIX: store.prefix }, { logTo: stream });
    try {
      const tpp = await registerWebClient(srv);
      const customer = await createCustomer(srv.deps);
      const flow = await Flow.start(srv.url, accountsParams(tpp));
      await flow.login(customer.username, 'not-the-password');
      await flow.login(customer.username, customer.password);
      await flow.otp(customer.nextCode());
      await flow.consent('allow');
      const audit = lines.filter((line) => line.stream === 'audit' && line.sub === customer.sub);
      expect(audit.map((line) => line.event)).to.include.members(['login.failed', 'login.succeeded', 'consent.granted']);
      for (const line of audit) expect(line.username, line.event).to.equal(customer.username);
    } finally {
      await srv.close();
      await store.close();
    }
  });
});
