import { once } from 'node:events';

import { expect } from 'chai';
import { Redis } from 'ioredis';

import { StoreUnavailableError } from '../../adapters/errors.ts';
import { keyLayout } from '../../adapters/keys.ts';
import { createRedisStore, createRedisStoreFromClient } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { openTestRedis, scanKeys } from '../support/redis.ts';
import type { TestRedis } from '../support/redis.ts';
import { describeStoreContract, newId, token } from './contract.ts';
import { commandsDuring, expectOneSlotEach } from './monitor.ts';

describe('redis store', () => {
  let run: TestRedis;
  let stores = 0;
  /** A key prefix of its own for each store, inside this run's prefix. */
  const nextPrefix = () => `${run.prefix}${++stores}:`;

  before(async () => {
    run = await openTestRedis();
  });
  after(() => run?.cleanup());

  describeStoreContract('redis', async () => {
    const prefix = nextPrefix();
    const store = createRedisStore({ url: run.url, keyPrefix: prefix });
    await store.ping();
    return {
      store,
      keys: keyLayout(prefix),
      pttl: (key) => run.client.pttl(key),
      keyNames: () => scanKeys(run, prefix),
      close: () => store.close(),
    };
  });

  /** What a client-credentials access token looks like in oidc-provider (~300 bytes of JSON). */
  function typicalClientCredentials() {
    return token('ClientCredentials', {
      jti: newId().slice(0, 43),
      clientId: 'tpp-7c1e4b0f9a2d4e8b',
      aud: 'https://api.bank.example/public-data',
      scope: 'public:read',
      extra: { api: 'public-data', level: 'low', tpp: 'PSDFI-FIN-1234567' },
      expiresWithSession: false,
    });
  }

  /** A key's Cluster slot identity: its hash tag when it has one, else the whole key. */
  function hashTag(key: string): string {
    const open = key.indexOf('{');
    const close = open === -1 ? -1 : key.indexOf('}', open + 1);
    return close > open + 1 ? key.slice(open + 1, close) : key;
  }

  async function openStore(): Promise<{ store: Store; prefix: string }> {
    const prefix = nextPrefix();
    const store = createRedisStore({ url: run.url, keyPrefix: prefix });
    await store.ping();
    return { store, prefix };
  }

  describe('redis store: speed and size', () => {
    it('stores a typical client-credentials access token in at most 600 bytes (MEMORY USAGE)', async () => {
      const { store, prefix } = await openStore();
      const payload = typicalClientCredentials();
      expect(JSON.stringify(payload).length).to.be.within(250, 350);
      await store.adapter('ClientCredentials').upsert(payload.jti!, payload, 3600);
      const usage = await run.client.call('MEMORY', 'USAGE', keyLayout(prefix).object('ClientCredentials', payload.jti!), 'SAMPLES', '0');
      expect(usage).to.be.a('number').at.most(600);
      await store.close();
    });

    it('upserts a token without a grant in one command (SET … EX) and finds it in one (GET)', async () => {
      const { store, prefix } = await openStore();
      const payload = typicalClientCredentials();
      const adapter = store.adapter('ClientCredentials');
      const upserts = await commandsDuring(run.masters(), prefix, () => adapter.upsert(payload.jti!, payload, 3600));
      expect(upserts.map(({ args }) => [args[0]!.toLowerCase(), args[3], args[4]])).to.deep.equal([['set', 'EX', '3600']]);
      const finds = await commandsDuring(run.masters(), prefix, () => adapter.find(payload.jti!));
      expect(finds.map(({ args }) => args[0]!.toLowerCase())).to.deep.equal(['get']);
      await store.close();
    });
  });

  describe('redis store: Redis Cluster readiness', () => {
    it('never sends a command whose keys span two hash slots', async () => {
      const { store, prefix } = await openStore();
      const grantId = newId();
      const code = token('AuthorizationCode', { grantId });
      const device = token('DeviceCode', { grantId, userCode: 'WDJB-MJHT' });
      const seen = await commandsDuring(run.masters(), prefix, async () => {
        await store.adapter('AuthorizationCode').upsert(code.jti!, code, 60);
        await store.adapter('DeviceCode').upsert(device.jti!, device, 600);
        await store.adapter('Session').upsert('s1', { uid: 'u1' }, 600);
        await store.adapter('Client').upsert('c1', { client_id: 'c1' });
        await store.adapter('Client').list();
        await store.adapter('Session').findByUid('u1');
        await store.adapter('DeviceCode').findByUserCode('WDJB-MJHT');
        await store.adapter('AuthorizationCode').consume(code.jti!);
        await store
          .adapter('AuthorizationCode')
          .consume(code.jti!)
          .catch(() => undefined); // reuse: revokes the grant
        await store.adapter('Client').destroy('c1');
      });
      expect(seen.filter(({ source }) => source === 'lua').length, 'scripts ran').to.be.greaterThan(0);
      expect(await expectOneSlotEach(seen, run.masters()[0]!, async (key) => hashTag(key))).to.be.greaterThan(10);
      await store.close();
    });

    it('rejects a key prefix with braces, which would pin every key to one slot', () => {
      expect(() => createRedisStore({ url: run.url, keyPrefix: 'valtuus{x}:' })).to.throw(TypeError, /keyPrefix/);
    });
  });

  describe('redis store: connection', () => {
    it('fails fast with 503 temporarily_unavailable when nothing answers (within 2 s)', async () => {
      const store = createRedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: nextPrefix() });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), 2000)));
      try {
        const [findOutcome, pingOutcome] = await Promise.race([
          Promise.all(
            [store.adapter('AccessToken').find('x'), store.ping()].map((p) =>
              p.then(
                () => 'resolved',
                (err: unknown) => err,
              ),
            ),
          ),
          deadline,
        ]).then((outcome) => (outcome === 'deadline' ? expect.fail('no answer within 2 s') : outcome));
        for (const err of [findOutcome, pingOutcome]) {
          expect(err).to.be.instanceOf(StoreUnavailableError);
          expect(err).to.include({ status: 503, error: 'temporarily_unavailable', expose: true });
        }
      } finally {
        clearTimeout(timer);
        await store.close();
      }
    });

    it('reconnects by itself after the connection drops', async () => {
      const { store } = await openStore();
      const client = store.redis as Redis;
      const id = await client.client('ID');
      const ready = once(client, 'ready');
      await run.masters()[0]!.client('KILL', 'ID', String(id));
      await ready;
      await store.ping();
      await store.close();
    });

    it('quits on close, after which calls fail as unavailable', async () => {
      const { store } = await openStore();
      await store.close();
      expect((store.redis as Redis).status).to.equal('end');
      const err = await store
        .adapter('AccessToken')
        .find('x')
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(StoreUnavailableError);
    });

    it('works over an existing ioredis client, and owns it', async () => {
      const prefix = nextPrefix();
      const client = new Redis(run.url, { enableOfflineQueue: false });
      const store = createRedisStoreFromClient(client, prefix);
      expect(store.redis).to.equal(client);
      const payload = token('AccessToken');
      await store.adapter('AccessToken').upsert(payload.jti!, payload, 60);
      expect(await store.adapter('AccessToken').find(payload.jti!)).to.deep.equal(payload);
      await store.close();
      expect(client.status).to.equal('end');
    });
  });
});
