import { expect } from 'chai';

import { digestKey, expiringCache } from '../../resource_server/cache.ts';

describe('resource server: the in-process caches (lru-cache bounded, entries expire)', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('forgets an entry when its time is up', () => {
    const cache = expiringCache<string>(10, clock);
    cache.set('k', 'v', 5000);
    now += 5000;
    expect(cache.get('k')).to.equal('v');
    now += 1;
    expect(cache.get('k')).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });

  it('stores nothing for a ttl of zero', () => {
    const cache = expiringCache<string>(10, clock);
    cache.set('k', 'v', 0);
    expect(cache.get('k')).to.equal(undefined);
  });

  it('stays within its bound, dropping the oldest entry first', () => {
    const cache = expiringCache<number>(3, clock);
    for (let i = 0; i < 5; i += 1) cache.set(`k${i}`, i, 60_000);
    expect(cache.size).to.equal(3);
    expect([cache.get('k0'), cache.get('k1'), cache.get('k2'), cache.get('k4')]).to.deep.equal([undefined, undefined, 2, 4]);
  });

  it('keys by a SHA-256 digest that does not contain the secret', () => {
    const token = 'a-secret-access-token-value';
    const key = digestKey(token);
    expect(key)
      .to.match(/^[\w-]{43}$/)
      .and.not.contain(token);
    expect(digestKey('a', 'bc')).not.to.equal(digestKey('ab', 'c'));
  });
});
