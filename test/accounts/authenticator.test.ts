import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import { loadConfig } from '../../config/index.ts';
import type { AuditEvent, AuditFields } from '../../server/ops/audit.ts';
import { accountServices, type AccountServices } from '../../server/accounts/services.ts';
import { currentTotp } from '../../server/accounts/totp.ts';

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

describe('accounts: authenticator (password, one-time code)', () => {
  const store = createMemoryStore();
  const events: { event: AuditEvent; fields: AuditFields }[] = [];
  let services: AccountServices;
  let sub: string;
  let secret: string;

  before(async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOCKOUT_MAX_FAILURES: '1000' });
    services = accountServices({ config, store, audit: (event, fields = {}) => events.push({ event, fields }) });
    const created = await services.accounts.create({ username: 'ivan.i', password: 'correct horse battery staple' });
    sub = created.sub;
    secret = new URL(created.totp_uri).searchParams.get('secret')!;
  });

  after(() => store.close());

  it('an unknown username costs an argon2 verification as a wrong password does (timing reveals nothing)', async () => {
    const { authenticator } = services;
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      unknown.push(await timed(() => authenticator.checkPassword('nobody.at.all', 'some password 123', '192.0.2.1')));
      wrong.push(await timed(() => authenticator.checkPassword('ivan.i', 'some password 123', '192.0.2.1')));
    }
    // the fastest of each: the cost of the work itself, least moved by other load on the machine
    expect(Math.min(...unknown)).to.be.within(Math.min(...wrong) * 0.5, Math.min(...wrong) * 2);
  });

  it('the right password names the customer; unknown and wrong both answer only { ok: false }', async () => {
    const { authenticator } = services;
    expect(await authenticator.checkPassword('ivan.i', 'correct horse battery staple', '192.0.2.1')).to.deep.equal({ ok: true, sub });
    expect(await authenticator.checkPassword('nobody', 'x', '192.0.2.1')).to.deep.equal({ ok: false });
    expect(await authenticator.checkPassword('ivan.i', 'x', '192.0.2.1')).to.deep.equal({ ok: false });
  });

  it('accepts a code of the previous, current or next step, each once', async () => {
    const now = Date.now();
    const { authenticator } = services;
    expect(await authenticator.checkCode(sub, currentTotp(secret, now - 30_000), '192.0.2.1')).to.equal('ok');
    expect(await authenticator.checkCode(sub, currentTotp(secret, now), '192.0.2.1')).to.equal('ok');
    expect(await authenticator.checkCode(sub, currentTotp(secret, now), '192.0.2.1')).to.equal('wrong');
    expect(await authenticator.checkCode(sub, currentTotp(secret, now + 30_000), '192.0.2.1')).to.equal('ok');
    expect(await authenticator.checkCode(sub, currentTotp(secret, now + 60_000), '192.0.2.1')).to.equal('wrong');
  });

  it('writes audit events without secrets: login.failed with the factor, never the password or code', () => {
    const failed = events.filter((e) => e.event === 'login.failed');
    expect(failed.some((e) => e.fields.reason === 'unknown_username' && e.fields.sub === undefined)).to.equal(true);
    expect(failed.some((e) => e.fields.sub === sub && e.fields.factor === 'otp')).to.equal(true);
    expect(JSON.stringify(events)).not.to.match(/correct horse|some password/);
  });
});
