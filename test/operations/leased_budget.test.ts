import { expect } from 'chai';

import type { Attempt } from '../../server/ops/attempts.ts';
import { LeasedBudget, MemoryLeaseStore, RedisLeaseStore, type LeaseStore } from '../../server/ops/leased_budget.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const POINTS = 10;

/** Resolves when `condition` holds, checking on every turn of the event loop (no fixed sleep). */
async function until(condition: () => Promise<boolean>, what: string, limitMs = 5_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * README "Operations": a failure budget bounds the attempts in flight and the failures kept,
 * together, across every process. Each LeasedBudget below plays one process (its own holder)
 * on one shared lease store.
 */
for (const kind of ['redis', 'memory'] as const) {
  describe(`leased failure budget (${kind}): of any burst, at most the budget is evaluated`, () => {
    let store: TestRedisStore | undefined;
    let leases: LeaseStore;
    let n = 0;
    const key = () => `198.51.100.${(n += 1)}`;
    const processes = (count: number) => Array.from({ length: count }, () => new LeasedBudget(leases, POINTS));

    before(async () => {
      if (kind === 'redis') {
        store = await openTestRedisStore();
        await until(
          () =>
            store!.ping().then(
              () => true,
              () => false,
            ),
          'the store to connect',
        );
        leases = new RedisLeaseStore(store.redis!, store.keys.limiter('test'));
      } else {
        leases = new MemoryLeaseStore();
      }
    });

    after(async () => {
      await store?.close();
    });

    it(`of 60 concurrent failing attempts over 3 processes, exactly ${POINTS} are reserved, the rest refused with a retry-after`, async () => {
      const k = key();
      const budgets = processes(3);
      const results = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const reserved = await budgets[i % 3]!.reserve(k);
          if (reserved.attempt) await reserved.attempt.keep();
          return reserved;
        }),
      );
      expect(results.filter((r) => r.attempt)).to.have.length(POINTS);
      const refused = results.filter((r) => r.retryAfter !== undefined);
      expect(refused).to.have.length(60 - POINTS);
      expect(Math.min(...refused.map((r) => r.retryAfter!))).to.be.within(1, 60);
    });

    it(`attempts in flight never exceed ${POINTS} over 3 processes, and an honest burst of 90 that all succeed is served in full`, async () => {
      const k = key();
      const budgets = processes(3);
      let inFlight = 0;
      let most = 0;
      const results = await Promise.all(
        Array.from({ length: 90 }, async (_, i) => {
          const reserved = await budgets[i % 3]!.reserve(k);
          if (!reserved.attempt) return false;
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setImmediate(resolve)); // the check takes a turn of the loop
          inFlight -= 1;
          await reserved.attempt.release();
          return true;
        }),
      );
      expect(results.filter(Boolean)).to.have.length(90);
      expect(most).to.be.at.most(POINTS);
    });

    it('a process that used every point and went idle gives them back to another in time', async () => {
      const k = key();
      const [first, second] = processes(2);
      const held: Attempt[] = [];
      for (let i = 0; i < POINTS; i += 1) held.push((await first!.reserve(k)).attempt!);
      await Promise.all(held.map((a) => a.release()));
      const burst = await Promise.all(Array.from({ length: POINTS }, () => second!.reserve(k)));
      expect(burst.filter((r) => r.attempt)).to.have.length(POINTS);
      await Promise.all(burst.map((r) => r.attempt?.release()));
    });

    it('a budget held whole by attempts still being checked refuses, after the bound, as busy, not as spent', async () => {
      const k = key();
      const [first, second] = processes(2);
      const held = await Promise.all(Array.from({ length: POINTS }, () => first!.reserve(k)));
      expect(held.filter((r) => r.attempt)).to.have.length(POINTS);
      const waited = await second!.reserve(k);
      expect(waited).to.deep.equal({ retryAfter: 1, busy: true });
      await Promise.all(held.map((r) => r.attempt!.release()));
    });

    it('once the failures spend the budget, every process refuses without evaluating, even a right attempt', async () => {
      const k = key();
      const [first, second] = processes(2);
      for (let i = 0; i < POINTS; i += 1) {
        const { attempt } = await first!.reserve(k);
        const last = await attempt!.keep();
        expect(last).to.equal(i === POINTS - 1);
      }
      const [spentHere, spentThere] = [await first!.reserve(k), await second!.reserve(k)];
      expect(spentHere.retryAfter).to.be.within(1, 60);
      expect(spentThere.retryAfter).to.be.within(1, 60);
      expect(spentThere).not.to.have.property('busy');
    });

    if (kind === 'redis') {
      it('a process that died holding a lease blocks no one for longer than the lease (its points lapse in the store)', async () => {
        const k = key();
        const lease = await leases.lease(k, 'a-process-that-died', POINTS, POINTS, 2_000);
        expect(lease.held).to.equal(POINTS);
        const [alive] = processes(1);
        expect((await alive!.reserve(k)).attempt, 'nothing left while the lease lives').to.equal(undefined);
        await until(async () => {
          const reserved = await alive!.reserve(k);
          await reserved.attempt?.release();
          return reserved.attempt !== undefined;
        }, 'the dead lease to lapse');
      });

      it('keeps its two keys under one hash tag, so that a Cluster holds them on one node', async () => {
        const k = key();
        const [one, two] = await Promise.all([processes(1)[0]!.reserve(k), processes(1)[0]!.reserve(k)]);
        await one.attempt!.keep(); // a failure kept beside a lease still held
        const keys = await store!.redis!.keys(`${store!.keys.limiter('test')}:{${k}}:*`);
        await two.attempt!.release();
        expect(keys.sort()).to.deep.equal([
          `${store!.keys.limiter('test')}:{${k}}:failures`,
          `${store!.keys.limiter('test')}:{${k}}:leases`,
        ]);
      });
    }
  });
}
