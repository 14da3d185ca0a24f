import { parseOptions } from '@node-rs/argon2';
import { expect } from 'chai';
import { Secret, URI } from 'otpauth';

import { createMemoryStore } from '../../adapters/memory.ts';
import { loadConfig } from '../../config/index.ts';
import { AccountError, type AccountManager } from '../../server/accounts/accounts.ts';
import { PasswordPolicyError } from '../../server/accounts/password.ts';
import { accountServices } from '../../server/accounts/services.ts';
import { checkTotp, currentTotp } from '../../server/accounts/totp.ts';
import type { Store } from '../../adapters/types.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const PASSWORD = 'correct horse battery staple';

const backends: { name: string; open: () => Promise<Store & { prefix?: string }> }[] = [
  { name: 'memory', open: async () => createMemoryStore() },
  { name: 'Redis', open: openTestRedisStore },
];

for (const backend of backends) {
  describe(`accounts: customers in the store (${backend.name})`, () => {
    let store: Store & { prefix?: string };
    let accounts: AccountManager;

    before(async () => {
      store = await backend.open();
      const config = loadConfig({ NODE_ENV: 'test', ...(store.prefix ? { REDIS_KEY_PREFIX: store.prefix } : {}) });
      accounts = accountServices({ config, store }).accounts;
    });

    after(async () => {
      await store?.close();
    });

    it('create stores an argon2id hash with OWASP parameters (m=19456 KiB, t=2, p=1), never the password', async () => {
      const created = await accounts.create({ username: 'alice.a', password: PASSWORD });
      const account = (await accounts.findBySub(created.sub))!;
      expect(account.passwordHash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(parseOptions(account.passwordHash)).to.include({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
      expect(JSON.stringify(await store.adapter('Account').find(created.sub))).not.to.include(PASSWORD);
    });

    it('keys the customer by a random opaque sub, not the username, with a username index beside it', async () => {
      const created = await accounts.create({ username: 'bob.b', password: PASSWORD });
      expect(created.sub).to.match(/^[\w-]{22}$/);
      expect(created.sub).not.to.include('bob');
      expect(await store.adapter('AccountUsername').find('bob.b')).to.deep.include({ sub: created.sub });
      expect((await accounts.findByUsername('BOB.B'))!.sub).to.equal(created.sub);
    });

    it('prints an RFC 6238 otpauth URI: SHA1, 6 digits, 30 s, a 160-bit secret, the bank name as issuer (README Branding)', async () => {
      const created = await accounts.create({ username: 'carol.c', password: PASSWORD });
      const totp = URI.parse(created.totp_uri);
      expect(created.totp_uri).to.match(/^otpauth:\/\/totp\/Demo%20Bank:carol\.c\?.*issuer=Demo%20Bank/);
      expect(totp).to.include({ issuer: 'Demo Bank', label: 'carol.c', algorithm: 'SHA1', digits: 6 });
      expect((totp as unknown as { period: number }).period).to.equal(30);
      expect(totp.secret.bytes.length).to.equal(20);
      const account = (await accounts.findBySub(created.sub))!;
      expect(checkTotp(account.totpSecret, totp.generate())).not.to.equal(undefined);
    });

    it('refuses a taken username (in any case), a malformed username and a short or huge password', async () => {
      await accounts.create({ username: 'dave.d', password: PASSWORD });
      for (const username of ['ab', 'has space', '<script>', '-leading', 'x'.repeat(65)]) {
        const err = await accounts.create({ username, password: PASSWORD }).catch((e: unknown) => e);
        expect(err, username).to.be.instanceOf(AccountError);
      }
      for (const password of ['short', 'x'.repeat(257)]) {
        const err = await accounts.create({ username: `erin${password.length}`, password }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(PasswordPolicyError);
      }
      const taken = await accounts.create({ username: 'DAVE.d', password: PASSWORD }).catch((e: unknown) => e);
      expect(taken).to.be.instanceOf(AccountError).with.property('message').that.includes('taken');
    });

    it('reset-totp replaces the secret: codes of the old one stop working', async () => {
      const created = await accounts.create({ username: 'frank.f', password: PASSWORD });
      const oldSecret = (await accounts.findBySub(created.sub))!.totpSecret;
      const reset = await accounts.resetTotp('frank.f');
      const newSecret = (await accounts.findBySub(created.sub))!.totpSecret;
      expect(newSecret).not.to.equal(oldSecret);
      expect(URI.parse(reset.totp_uri).secret.base32).to.equal(newSecret);
      expect(Secret.fromBase32(newSecret).bytes.length).to.equal(20);
      expect(checkTotp(newSecret, currentTotp(oldSecret))).to.equal(undefined);
    });

    it('delete removes the customer and the username index; the username can be enrolled again with a new sub', async () => {
      const created = await accounts.create({ username: 'grace.g', password: PASSWORD });
      expect(await accounts.delete('grace.g')).to.deep.equal({ sub: created.sub, username: 'grace.g', deleted: true });
      expect(await accounts.findBySub(created.sub)).to.equal(undefined);
      expect(await accounts.findByUsername('grace.g')).to.equal(undefined);
      const again = await accounts.create({ username: 'grace.g', password: PASSWORD });
      expect(again.sub).not.to.equal(created.sub);
    });

    it('unlock, delete and reset-totp name an unknown username in their error', async () => {
      for (const action of [() => accounts.unlock('nobody'), () => accounts.delete('nobody'), () => accounts.resetTotp('nobody')]) {
        const err = await action().catch((e: unknown) => e);
        expect(err).to.be.instanceOf(AccountError).with.property('message', 'no customer with username nobody');
      }
    });

    if (backend.name === 'Redis') {
      it('accounts and the username index live without expiry', async () => {
        const created = await accounts.create({ username: 'heidi.h', password: PASSWORD });
        const { probe, prefix } = store as TestRedisStore;
        expect(await probe.ttl(`${prefix}Account:{${created.sub}}`)).to.equal(-1);
        expect(await probe.ttl(`${prefix}AccountUsername:{heidi.h}`)).to.equal(-1);
      });
    }
  });
}
