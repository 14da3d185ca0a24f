import { expect } from 'chai';
import type { Cluster, Redis } from 'ioredis';

import { StoreUnavailableError } from '../../adapters/errors.ts';
import { keyLayout } from '../../adapters/keys.ts';
import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { loadConfig } from '../../config/index.ts';
import { createLoginGuard } from '../../server/accounts/guard.ts';
import { createLimits } from '../../server/ops/limits.ts';
import { openTestRedis, scanKeys, type TestRedis } from '../support/redis.ts';
import { startTestCluster, type TestCluster } from '../support/redis_cluster.ts';
import { describeStoreContract, newId, token } from './contract.ts';
import { commandsDuring, expectOneSlotEach } from './monitor.ts';

describe('redis cluster store (3 masters, redis+cluster://)', () => {
  let cluster: TestCluster;
  let run: TestRedis;
  let stores = 0;
  const nextPrefix = () => `${run.prefix}${++stores}:`;

  before(async function () {
    this.timeout(15_000); // redis-cli --cluster create waits a second for the nodes to meet
    cluster = await startTestCluster();
    run = await openTestRedis(cluster.url);
  });
  after(async () => {
    await run?.cleanup();
    await cluster?.stop();
  });

  async function openStore(): Promise<{ store: Store; prefix: string }> {
    const prefix = nextPrefix();
    const store = createRedisStore({ url: cluster.url, keyPrefix: prefix });
    await store.ping();
    return { store, prefix };
  }

  describeStoreContract('redis cluster', async () => {
    const { store, prefix } = await openStore();
    return {
      store,
      keys: keyLayout(prefix),
      pttl: (key) => run.client.pttl(key),
      keyNames: () => scanKeys(run, prefix),
      close: () => store.close(),
    };
  });

  describe('redis cluster: every command stays in one hash slot (CLUSTER KEYSLOT)', () => {
    const keySlot = (key: string) => run.masters()[0]!.call('CLUSTER', 'KEYSLOT', key) as Promise<number>;

    /** The commands every master ran for `prefix` during `action`, each checked to stay in one slot. */
    async function watch(prefix: string, action: () => Promise<unknown>) {
      const seen = await commandsDuring(run.masters(), prefix, action);
      return { seen, checked: await expectOneSlotEach(seen, run.masters()[0]!, keySlot) };
    }

    it('the adapter: objects, indexes, scripts and revocation, spread over every master', async () => {
      const { store, prefix } = await openStore();
      const { seen, checked } = await watch(prefix, async () => {
        for (let i = 0; i < 10; i += 1) {
          const grantId = newId();
          const code = token('AuthorizationCode', { grantId });
          const device = token('DeviceCode', { grantId, userCode: `CODE-${i}` });
          await store.adapter('AuthorizationCode').upsert(code.jti!, code, 60);
          await store.adapter('DeviceCode').upsert(device.jti!, device, 600);
          await store.adapter('Session').upsert(`s${i}`, { uid: `u${i}` }, 600);
          await store.adapter('Session').findByUid(`u${i}`);
          await store.adapter('DeviceCode').findByUserCode(`CODE-${i}`);
          await store.adapter('AuthorizationCode').consume(code.jti!);
          await store
            .adapter('AuthorizationCode')
            .consume(code.jti!)
            .catch(() => undefined); // reuse: revokes the grant across slots
        }
        await store.adapter('Client').upsert('c1', { client_id: 'c1' });
        await store.adapter('Client').list();
        await store.adapter('Client').destroy('c1');
      });
      expect(seen.filter(({ source }) => source === 'lua').length, 'scripts ran').to.be.greaterThan(0);
      expect(checked).to.be.greaterThan(100);
      expect(new Set(seen.map(({ node }) => node)).size, 'masters that ran commands').to.equal(3);
      await store.close();
    });

    it('the login guard: its limiter keys and step script share the account hash tag, and lock on the Cluster', async () => {
      const { store, prefix } = await openStore();
      const guard = createLoginGuard(store, {
        maxFailures: 2,
        lockSeconds: 60,
        failureMemorySeconds: 60,
        usedStepMemorySeconds: 90,
      });
      const { checked } = await watch(prefix, async () => {
        for (const sub of ['alice', 'bob', 'carol', newId()]) {
          expect(await (await guard.reserveCode(sub))!.keep()).to.equal(false);
          expect(await (await guard.reserveCode(sub))!.keep(), 'second failure locks').to.equal(true);
          expect(await guard.isLocked(sub)).to.equal(true);
          await guard.reset(sub);
          expect(await guard.isLocked(sub)).to.equal(false);
          expect(await guard.useTotpStep(sub, 5, '192.0.2.1')).to.equal(true);
          expect(await guard.useTotpStep(sub, 5, '192.0.2.1'), 'a step works once').to.equal(false);
          await (await guard.reservePassword(sub, '192.0.2.1'))!.release();
          expect(await guard.useTotpStep(sub, 6, '192.0.2.1'), 'a later step').to.equal(true);
        }
      });
      expect(checked).to.be.greaterThan(20);
      await store.close();
    });

    it('the rate limiters: one key per budget, and the budgets hold on the Cluster', async () => {
      const { store, prefix } = await openStore();
      const config = loadConfig({
        NODE_ENV: 'test',
        REDIS_KEY_PREFIX: prefix,
        RATE_LIMIT_ADDRESS_LOGIN_FAILURES: '2',
        RATE_LIMIT_TOKEN_REQUESTS: '1',
      });
      const limits = createLimits(config, store);
      const { checked } = await watch(prefix, async () => {
        // limiter errors let requests through, so only the outcomes prove the commands worked
        const first = await limits.login('192.0.2.1');
        await first.attempt!.keep();
        await (await limits.login('192.0.2.1')).attempt!.keep();
        expect((await limits.login('192.0.2.1')).retryAfter).to.be.a('number');
        expect(await limits.tokenRequest('tpp-1')).to.equal(undefined);
        expect(await limits.tokenRequest('tpp-1')).to.be.a('number');
        await (await limits.clientAuth('192.0.2.2', 'tpp-1')).attempt!.keep();
      });
      expect(checked).to.be.greaterThan(5);
      await store.close();
    });
  });

  describe('redis cluster: connection', () => {
    it('fails fast with 503 temporarily_unavailable when no node answers', async () => {
      const store = createRedisStore({ url: 'redis+cluster://127.0.0.1:1,127.0.0.1:2', keyPrefix: nextPrefix() });
      const started = Date.now();
      try {
        const err = await store
          .adapter('AccessToken')
          .find('x')
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).to.be.instanceOf(StoreUnavailableError);
        expect(err).to.include({ status: 503, error: 'temporarily_unavailable' });
        expect(Date.now() - started).to.be.below(2000);
      } finally {
        await store.close();
      }
    });

    it('reconnects by itself after every node dropped its connections', async () => {
      const { store } = await openStore();
      const client = store.redis as Cluster;
      const payload = token('AccessToken');
      await store.adapter('AccessToken').upsert(payload.jti!, payload, 60);
      await Promise.all(client.nodes('master').map((node) => node.ping())); // a connection to each node, to drop
      const reconnected = new Promise((resolve) => client.once('ready', resolve));
      // each master drops every connection but the probe's own (SKIPME)
      await Promise.all(run.masters().map((node: Redis) => node.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes')));
      await reconnected;
      expect(await store.adapter('AccessToken').find(payload.jti!)).to.deep.equal(payload);
      await store.close();
    });

    it('quits every node on close', async () => {
      const { store } = await openStore();
      await store.close();
      expect((store.redis as Cluster).status).to.equal('end');
    });
  });
});
