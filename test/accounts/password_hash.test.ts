import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import { loadConfig } from '../../config/index.ts';
import { accountServices } from '../../server/accounts/services.ts';

const PASSWORD = 'correct horse battery staple';

/** A cheap cost for the "before" side; the PHC string of each hash carries its own parameters. */
const OLD = { PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_TIME_COST: '1' };

describe('accounts: password hashes after a change of argon2id cost (README "Password hashing")', () => {
  const store = createMemoryStore();
  after(() => store.close());

  const servicesWith = (env: Record<string, string>) => accountServices({ config: loadConfig({ NODE_ENV: 'test', ...env }), store });

  it('a hash made with the old parameters still verifies after the change, and is remade with the new ones at that login', async () => {
    const before = servicesWith(OLD);
    const { sub } = await before.accounts.create({ username: 'olga.old', password: PASSWORD });
    const oldHash = (await before.accounts.findBySub(sub))!.passwordHash;
    expect(oldHash).to.match(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);

    const after = servicesWith({ PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_TIME_COST: '2' });
    expect(await after.authenticator.checkPassword('olga.old', 'not the password', '192.0.2.1')).to.deep.equal({ ok: false });
    expect((await after.accounts.findBySub(sub))!.passwordHash, 'a wrong password remakes nothing').to.equal(oldHash);

    expect(await after.authenticator.checkPassword('olga.old', PASSWORD, '192.0.2.1')).to.deep.equal({ ok: true, sub });
    const newHash = (await after.accounts.findBySub(sub))!.passwordHash;
    expect(newHash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await after.authenticator.checkPassword('olga.old', PASSWORD, '192.0.2.1')).to.deep.equal({ ok: true, sub });

    // and back: the old setting verifies the new hash too (parameters are read from the hash)
    expect(await before.authenticator.checkPassword('olga.old', PASSWORD, '192.0.2.1')).to.deep.equal({ ok: true, sub });
  });

  it('a hash with the current parameters is left as it is at login', async () => {
    const services = servicesWith(OLD);
    const { sub } = await services.accounts.create({ username: 'carl.current', password: PASSWORD });
    const stored = (await services.accounts.findBySub(sub))!.passwordHash;
    expect(await services.authenticator.checkPassword('carl.current', PASSWORD, '192.0.2.1')).to.deep.equal({ ok: true, sub });
    expect((await services.accounts.findBySub(sub))!.passwordHash).to.equal(stored);
  });
});
