import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import { loadConfig } from '../../config/index.ts';
import { accountServices } from '../../server/accounts/services.ts';
import { currentTotp } from '../../server/accounts/totp.ts';

describe('accounts: one-time codes are checked at the injected clock (RFC 6238 §4, §5.2 one step either side)', () => {
  const store = createMemoryStore();
  const DAY_MS = 24 * 3600 * 1000;
  let now = Date.now() - DAY_MS; // a day away from real time: real-time codes cannot pass by chance

  after(() => store.close());

  async function enrol() {
    const services = accountServices({ config: loadConfig({ NODE_ENV: 'test' }), store, clock: () => now });
    const username = `clock.${Math.random().toString(36).slice(2, 10)}`;
    const created = await services.accounts.create({ username, password: 'correct horse battery staple' });
    return { services, sub: created.sub, secret: new URL(created.totp_uri).searchParams.get('secret')! };
  }

  it("accepts the code of the clock's step and refuses the code of real time", async () => {
    const { services, sub, secret } = await enrol();
    expect(await services.authenticator.checkCode(sub, currentTotp(secret, Date.now()), '192.0.2.1')).to.equal('wrong');
    expect(await services.authenticator.checkCode(sub, currentTotp(secret, now), '192.0.2.1')).to.equal('ok');
  });

  it('follows the clock: a code two steps behind it is refused, one step behind is accepted', async () => {
    const { services, sub, secret } = await enrol();
    const issued = now;
    now += 60_000;
    expect(await services.authenticator.checkCode(sub, currentTotp(secret, issued), '192.0.2.1')).to.equal('wrong');
    expect(await services.authenticator.checkCode(sub, currentTotp(secret, issued + 30_000), '192.0.2.1')).to.equal('ok');
  });
});
