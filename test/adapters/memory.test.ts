import { expect } from 'chai';

import { keyLayout } from '../../adapters/keys.ts';
import { createMemoryStore } from '../../adapters/memory.ts';
import type { MemoryStore } from '../../adapters/memory.ts';
import { describeStoreContract, newId, token } from './contract.ts';

/** Starts at the real time (payloads carry real iat/exp) and moves only when told. */
function manualClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describeStoreContract('memory', async () => {
  const store = createMemoryStore({ now: manualClock().now });
  return {
    store,
    keys: keyLayout(''),
    pttl: async (key) => store.keyspace.pttl(key),
    keyNames: async () => store.keyspace.keyNames(),
    close: () => store.close(),
  };
});

describe('memory store: expiry on its own clock', () => {
  let clock: ReturnType<typeof manualClock>;
  let store: MemoryStore;
  beforeEach(() => {
    clock = manualClock();
    store = createMemoryStore({ now: clock.now });
  });

  it('forgets an object, its indexes and its grant index when the clock passes expiresIn', async () => {
    const grantId = newId();
    const deviceCode = token('DeviceCode', { grantId, userCode: 'ABCD-EFGH' });
    const session = { uid: newId() };
    await store.adapter('DeviceCode').upsert(deviceCode.jti!, deviceCode, 600);
    await store.adapter('Session').upsert('s1', session, 600);

    clock.advance(599_999);
    expect(await store.adapter('DeviceCode').findByUserCode('ABCD-EFGH')).to.deep.equal(deviceCode);
    expect(await store.adapter('Session').findByUid(session.uid)).to.deep.equal(session);

    clock.advance(1);
    expect(await store.adapter('DeviceCode').find(deviceCode.jti!)).to.equal(undefined);
    expect(await store.adapter('DeviceCode').findByUserCode('ABCD-EFGH')).to.equal(undefined);
    expect(await store.adapter('Session').findByUid(session.uid)).to.equal(undefined);
    expect(store.keyspace.keyNames()).to.deep.equal([]);
  });

  it('keeps a grant index as long as its longest-lived member, dropping expired members', async () => {
    const grantId = newId();
    const short = token('AccessToken', { grantId });
    const long = token('RefreshToken', { grantId });
    await store.adapter('AccessToken').upsert(short.jti!, short, 60);
    await store.adapter('RefreshToken').upsert(long.jti!, long, 3600);
    clock.advance(61_000);
    expect(store.keyspace.pttl(keyLayout('').grant(grantId))).to.equal(3_539_000);
    await store.adapter('RefreshToken').revokeByGrantId(grantId);
    expect(await store.adapter('RefreshToken').find(long.jti!)).to.equal(undefined);
  });

  it('keeps clients and accounts however far the clock moves', async () => {
    await store.adapter('Client').upsert('c1', { client_id: 'c1' });
    clock.advance(10 * 365 * 86_400_000);
    expect(await store.adapter('Client').list()).to.deep.equal([{ client_id: 'c1' }]);
  });

  it('hands out copies, so changing a found payload changes nothing stored', async () => {
    await store.adapter('Client').upsert('c1', { client_id: 'c1', redirect_uris: ['https://a.example/cb'] });
    const found = await store.adapter('Client').find('c1');
    (found!.redirect_uris as string[]).push('https://evil.example/cb');
    expect((await store.adapter('Client').find('c1'))!.redirect_uris).to.deep.equal(['https://a.example/cb']);
  });
});
