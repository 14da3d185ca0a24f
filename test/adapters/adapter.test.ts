import { expect } from 'chai';

import { createAdapter } from '../../adapters/adapter.ts';
import { keyLayout } from '../../adapters/keys.ts';
import { MemoryKeyspace } from '../../adapters/memory_keyspace.ts';
import { newId, token } from './contract.ts';

/** A keyspace that records writes and can refuse to write one key. */
class RecordingKeyspace extends MemoryKeyspace {
  readonly writes: string[] = [];
  failOn: string | undefined;

  override async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.writes.push(key);
    if (key === this.failOn) throw new Error('write refused');
    return super.set(key, value, ttlSeconds);
  }

  override async indexGrant(key: string, member: string, ttlSeconds?: number): Promise<void> {
    this.writes.push(key);
    return super.indexGrant(key, member, ttlSeconds);
  }
}

describe('adapter: no half-written state', () => {
  const keys = keyLayout('');

  it('writes the grant and user code indexes before the object', async () => {
    const keyspace = new RecordingKeyspace();
    const deviceCode = token('DeviceCode', { grantId: newId(), userCode: 'ABCD-EFGH' });
    await createAdapter('DeviceCode', { keyspace, keys, now: Date.now }).upsert(deviceCode.jti!, deviceCode, 600);
    expect(keyspace.writes.at(-1)).to.equal(keys.object('DeviceCode', deviceCode.jti!));
    expect(keyspace.writes).to.have.members([
      keys.grant(deviceCode.grantId!),
      keys.userCode('DeviceCode', 'ABCD-EFGH'),
      keys.object('DeviceCode', deviceCode.jti!),
    ]);
  });

  it('issues nothing when the object write fails, leaving only a harmless index entry', async () => {
    const keyspace = new RecordingKeyspace();
    const adapter = createAdapter('RefreshToken', { keyspace, keys, now: Date.now });
    const rt = token('RefreshToken', { grantId: newId() });
    keyspace.failOn = keys.object('RefreshToken', rt.jti!);
    const err = await adapter.upsert(rt.jti!, rt, 600).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect(await adapter.find(rt.jti!)).to.equal(undefined);
    await adapter.revokeByGrantId(rt.grantId!);
    expect(keyspace.keyNames()).to.deep.equal([]);
  });
});
