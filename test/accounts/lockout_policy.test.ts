import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import { loadConfig } from '../../config/index.ts';
import { accountServices, type AccountServices } from '../../server/accounts/services.ts';
import type { AuditEvent, AuditFields } from '../../server/ops/audit.ts';
import { createCustomer, type TestCustomer } from '../support/flow.ts';
import { testJwks } from '../support/server.ts';

const STRANGER = '203.0.113.70';
const CUSTOMER = '198.51.100.70';

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * README "Lockout": PSD2 RTS Art. 4(3)(b) blocks after five failed attempts, but a stranger who
 * only knows a username blocks only their own source; the account-wide SCA lock follows failed
 * one-time codes, which only someone past the password can send; and the customer is told.
 */
describe('accounts: lockout policy, a stranger cannot lock a customer out (PSD2 RTS Art. 4(3)(b))', () => {
  const events: { event: AuditEvent; fields: AuditFields }[] = [];
  const notices: unknown[] = [];
  let receiver: Server;
  let services: AccountServices;
  let customer: TestCustomer;

  before(async () => {
    receiver = createServer(async (req, res) => {
      notices.push(await bodyOf(req));
      res.writeHead(204).end();
      receiver.emit('notice');
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const config = loadConfig(
      { NODE_ENV: 'test', LOCKOUT_NOTIFY_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/locks` },
      { generateJwks: testJwks },
    );
    const store = createMemoryStore();
    services = accountServices({ config, store, audit: (event, fields = {}) => events.push({ event, fields }) });
    customer = await createCustomer({ config, store });
  });

  after(() => {
    receiver?.close();
  });

  const waitForNotices = async (count: number) => {
    while (notices.length < count) await once(receiver, 'notice');
  };

  it('five wrong passwords from a stranger block that source only: the customer signs in from their own', async () => {
    const { authenticator } = services;
    for (let i = 0; i < 5; i += 1) await authenticator.checkPassword(customer.username, `guess-${i}`, STRANGER);
    expect(await authenticator.checkPassword(customer.username, customer.password, STRANGER)).to.deep.equal({ ok: false });
    const own = await authenticator.checkPassword(customer.username, customer.password, CUSTOMER);
    expect(own).to.deep.equal({ ok: true, sub: customer.sub });
    expect(await authenticator.checkCode(customer.sub, customer.nextCode(), CUSTOMER)).to.equal('ok');
    expect(events.filter((e) => e.event === 'login.source_blocked')).to.have.length(1);
    expect(events.some((e) => e.event === 'account.locked')).to.equal(false);
    await waitForNotices(1);
    expect(notices[0]).to.include({ event: 'login.source_blocked', sub: customer.sub, source: STRANGER });
  });

  it('five wrong codes after the right password lock the account everywhere, with an audit event and a notice', async () => {
    const { authenticator } = services;
    for (let i = 0; i < 5; i += 1) await authenticator.checkCode(customer.sub, String(100_000 + i), STRANGER);
    expect(events.filter((e) => e.event === 'account.locked')).to.have.length(1);
    expect(await services.accounts.status(customer.sub)).to.equal('locked');
    expect(await authenticator.checkPassword(customer.username, customer.password, CUSTOMER)).to.deep.equal({ ok: false });
    expect(await authenticator.checkCode(customer.sub, customer.nextCode(), CUSTOMER)).to.equal('locked');
    await waitForNotices(2);
    expect(notices[1]).to.include({ event: 'account.locked', sub: customer.sub });
  });
});
