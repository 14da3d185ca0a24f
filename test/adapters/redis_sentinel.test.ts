import { expect } from 'chai';
import { errors } from 'oidc-provider';
import { Redis } from 'ioredis';

import { StoreUnavailableError } from '../../adapters/errors.ts';
import { keyLayout } from '../../adapters/keys.ts';
import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { startTestSentinel, type TestSentinel } from '../support/redis_sentinel.ts';
import { newId, token } from './contract.ts';

describe('redis store through Sentinel (redis+sentinel://)', () => {
  let sentinel: TestSentinel;
  let master: Redis;
  let store: Store;
  const prefix = `valtuus-test-sentinel-${newId().slice(0, 8)}:`;

  before(async () => {
    sentinel = await startTestSentinel();
    master = new Redis({ port: sentinel.masterPort, host: '127.0.0.1' });
    store = createRedisStore({ url: sentinel.url, keyPrefix: prefix });
    await store.ping();
  });
  after(async () => {
    await store?.close();
    master?.disconnect();
    await sentinel?.stop(); // the master goes with its keys
  });

  it('finds the master through the sentinel, whose URL does not name it, and stores there', async () => {
    expect(sentinel.url).not.to.contain(String(sentinel.masterPort));
    const payload = token('AccessToken', { scope: 'openid' });
    await store.adapter('AccessToken').upsert(payload.jti!, payload, 60);
    expect(await store.adapter('AccessToken').find(payload.jti!)).to.deep.equal(payload);
    expect(await master.ttl(keyLayout(prefix).object('AccessToken', payload.jti!))).to.be.within(58, 60);
  });

  it('consumes once; a second consume is invalid_grant and revokes the grant', async () => {
    const grantId = newId();
    const code = token('AuthorizationCode', { grantId });
    const rt = token('RefreshToken', { grantId });
    await store.adapter('AuthorizationCode').upsert(code.jti!, code, 60);
    await store.adapter('RefreshToken').upsert(rt.jti!, rt, 600);
    await store.adapter('AuthorizationCode').consume(code.jti!);
    const err = await store
      .adapter('AuthorizationCode')
      .consume(code.jti!)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(errors.InvalidGrant);
    expect(await store.adapter('RefreshToken').find(rt.jti!)).to.equal(undefined);
  });

  it('fails fast with 503 temporarily_unavailable when no sentinel answers', async () => {
    const lost = createRedisStore({ url: 'redis+sentinel://127.0.0.1:1/nowhere', keyPrefix: prefix });
    const started = Date.now();
    try {
      const err = await lost.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(StoreUnavailableError);
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      await lost.close();
    }
  });
});
