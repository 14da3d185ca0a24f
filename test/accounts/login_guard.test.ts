import { randomBytes } from 'node:crypto';

import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import type { Store } from '../../adapters/types.ts';
import { createLoginGuard, type LoginGuard } from '../../server/accounts/guard.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const OPTIONS = { maxFailures: 5, lockSeconds: 900, failureMemorySeconds: 86_400, usedStepMemorySeconds: 120 };

const backends: { name: string; open: () => Promise<Store & { prefix?: string }> }[] = [
  { name: 'memory', open: async () => createMemoryStore() },
  { name: 'Redis', open: openTestRedisStore },
];

async function fail(reserve: () => ReturnType<LoginGuard['reserveCode']>): Promise<boolean | 'refused'> {
  const attempt = await reserve();
  return attempt ? attempt.keep() : 'refused';
}

for (const backend of backends) {
  describe(`accounts: login guard, attempts reserved before they are evaluated (PSD2 RTS Art. 4(3)(b)) (${backend.name})`, () => {
    let store: Store & { prefix?: string };
    let guard: LoginGuard;
    const sub = () => randomBytes(8).toString('hex');

    before(async () => {
      store = await backend.open();
      guard = createLoginGuard(store, OPTIONS);
    });

    after(async () => {
      await store?.close();
    });

    it('the fifth failed code locks the account, not before; reset unlocks', async () => {
      const id = sub();
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) expect(await fail(() => guard.reserveCode(id))).to.equal(false);
      expect(await guard.isLocked(id)).to.equal(false);
      expect(await fail(() => guard.reserveCode(id))).to.equal(true);
      expect(await guard.isLocked(id)).to.equal(true);
      expect(await guard.reserveCode(id)).to.equal(undefined);
      await guard.reset(id);
      expect(await guard.isLocked(id)).to.equal(false);
    });

    it('a released attempt does not count; a success forgets the failures', async () => {
      const id = sub();
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) await fail(() => guard.reserveCode(id));
      await (await guard.reserveCode(id))!.release();
      expect(await guard.useTotpStep(id, 1, '192.0.2.1')).to.equal(true);
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) expect(await fail(() => guard.reserveCode(id))).to.equal(false);
    });

    it('password failures count per account and source: one source blocked, another still tries', async () => {
      const id = sub();
      for (let i = 0; i < OPTIONS.maxFailures; i += 1) await fail(() => guard.reservePassword(id, '192.0.2.1'));
      expect(await guard.reservePassword(id, '192.0.2.1')).to.equal(undefined);
      expect(await guard.reservePassword(id, '192.0.2.2')).to.not.equal(undefined);
      expect(await guard.isLocked(id), 'the account-wide lock is for codes only').to.equal(false);
    });

    it('no password is tried on an account under the SCA lock, from any source', async () => {
      const id = sub();
      for (let i = 0; i < OPTIONS.maxFailures; i += 1) await fail(() => guard.reserveCode(id));
      expect(await guard.reservePassword(id, '192.0.2.3')).to.equal(undefined);
      await guard.reset(id);
      expect(await guard.reservePassword(id, '192.0.2.3')).to.not.equal(undefined);
    });

    it('a refused reservation takes nothing: the attempts still being checked settle the budget', async () => {
      const id = sub();
      const held = await Promise.all(Array.from({ length: OPTIONS.maxFailures }, () => guard.reservePassword(id, '192.0.2.4')));
      expect(await guard.reservePassword(id, '192.0.2.4'), 'every point is taken').to.equal(undefined);
      await Promise.all(held.map((a) => a!.release()));
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) expect(await fail(() => guard.reservePassword(id, '192.0.2.4'))).to.equal(false);
      expect(await fail(() => guard.reservePassword(id, '192.0.2.4')), 'the fifth failure is the last').to.equal(true);
    });

    it('a success forgets the password failures of its own source only', async () => {
      const id = sub();
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) {
        await fail(() => guard.reservePassword(id, '192.0.2.5'));
        await fail(() => guard.reservePassword(id, '192.0.2.6'));
      }
      expect(await guard.useTotpStep(id, 3, '192.0.2.5')).to.equal(true);
      expect(await fail(() => guard.reservePassword(id, '192.0.2.5')), 'forgotten').to.equal(false);
      expect(await fail(() => guard.reservePassword(id, '192.0.2.6')), 'still counted').to.equal(true);
    });

    it('of forty concurrent reservations at most five are granted, and exactly one failure reports the lock', async () => {
      const id = sub();
      const attempts = await Promise.all(Array.from({ length: 40 }, () => guard.reserveCode(id)));
      const granted = attempts.filter((a) => a !== undefined);
      expect(granted).to.have.length(OPTIONS.maxFailures);
      const kept = await Promise.all(granted.map((a) => a!.keep()));
      expect(kept.filter(Boolean)).to.have.length(1);
      expect(await guard.isLocked(id)).to.equal(true);
    });

    it('accepts each one-time-code step once and only later steps after it', async () => {
      const id = sub();
      expect(await guard.useTotpStep(id, 1000, '192.0.2.1')).to.equal(true);
      expect(await guard.useTotpStep(id, 1000, '192.0.2.1')).to.equal(false);
      expect(await guard.useTotpStep(id, 999, '192.0.2.1')).to.equal(false);
      expect(await guard.useTotpStep(id, 1001, '192.0.2.1')).to.equal(true);
    });

    it('of ten concurrent uses of one step exactly one succeeds', async () => {
      const id = sub();
      const results = await Promise.all(Array.from({ length: 10 }, () => guard.useTotpStep(id, 5, '192.0.2.1')));
      expect(results.filter(Boolean)).to.have.length(1);
    });

    if (backend.name === 'Redis') {
      it('keeps an account’s keys under one hash tag, each with its TTL (lock: LOCKOUT_SECONDS)', async () => {
        const id = sub();
        const { probe, prefix } = store as TestRedisStore;
        const code = `${prefix}LoginGuard:{${id}}:code`;
        await guard.useTotpStep(id, 7, '192.0.2.1');
        await fail(() => guard.reserveCode(id));
        await fail(() => guard.reservePassword(id, '192.0.2.9'));
        expect(await probe.ttl(code)).to.be.within(86_390, 86_400);
        expect(await probe.ttl(`${prefix}LoginGuard:{${id}}:totp-step`)).to.be.within(110, 120);
        expect(await probe.ttl(`${prefix}LoginGuard:{${id}}:password:192.0.2.9`)).to.be.within(86_390, 86_400);
        for (let i = 1; i < OPTIONS.maxFailures; i += 1) await fail(() => guard.reserveCode(id));
        expect(await probe.ttl(code)).to.be.within(890, 900);
      });
    }
  });
}
