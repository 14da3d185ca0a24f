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

for (const backend of backends) {
  describe(`accounts: login guard, atomic counters per account (${backend.name})`, () => {
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

    it('locks on the fifth failure, not before; reset unlocks', async () => {
      const id = sub();
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) expect(await guard.recordFailure(id)).to.equal(false);
      expect(await guard.isLocked(id)).to.equal(false);
      expect(await guard.recordFailure(id)).to.equal(true);
      expect(await guard.isLocked(id)).to.equal(true);
      await guard.reset(id);
      expect(await guard.isLocked(id)).to.equal(false);
    });

    it('clearFailures starts the count again', async () => {
      const id = sub();
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) await guard.recordFailure(id);
      await guard.clearFailures(id);
      for (let i = 1; i < OPTIONS.maxFailures; i += 1) expect(await guard.recordFailure(id)).to.equal(false);
    });

    it('of twenty concurrent failures exactly one reports the lock (no lost updates)', async () => {
      const id = sub();
      const results = await Promise.all(Array.from({ length: 20 }, () => guard.recordFailure(id)));
      expect(results.filter(Boolean)).to.have.length(1);
      expect(await guard.isLocked(id)).to.equal(true);
    });

    it('accepts each one-time-code step once and only later steps after it', async () => {
      const id = sub();
      expect(await guard.useTotpStep(id, 1000)).to.equal(true);
      expect(await guard.useTotpStep(id, 1000)).to.equal(false);
      expect(await guard.useTotpStep(id, 999)).to.equal(false);
      expect(await guard.useTotpStep(id, 1001)).to.equal(true);
    });

    it('of ten concurrent uses of one step exactly one succeeds', async () => {
      const id = sub();
      const results = await Promise.all(Array.from({ length: 10 }, () => guard.useTotpStep(id, 5)));
      expect(results.filter(Boolean)).to.have.length(1);
    });

    if (backend.name === 'Redis') {
      it('keeps an account’s keys under one hash tag, each with its TTL (lock: LOCKOUT_SECONDS)', async () => {
        const id = sub();
        const { probe, prefix } = store as TestRedisStore;
        await guard.recordFailure(id);
        await guard.useTotpStep(id, 7);
        expect(await probe.ttl(`${prefix}LoginGuard:{${id}}:failures`)).to.be.within(86_390, 86_400);
        expect(await probe.ttl(`${prefix}LoginGuard:{${id}}:totp-step`)).to.be.within(110, 120);
        for (let i = 1; i < OPTIONS.maxFailures; i += 1) await guard.recordFailure(id);
        expect(await probe.ttl(`${prefix}LoginGuard:{${id}}:lock`)).to.be.within(890, 900);
        expect(await probe.exists(`${prefix}LoginGuard:{${id}}:failures`)).to.equal(0);
      });
    }
  });
}
