import { randomBytes } from 'node:crypto';

import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import type { Store } from '../../adapters/types.ts';
import { openTestRedisStore } from '../support/stores.ts';

/** A subscription whose messages are taken one at a time, in the order they arrive. */
function listen(store: Store, channel: string) {
  const queued: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  const { ready, stop } = store.pubsub.subscribe(channel, {
    onMessage(message) {
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else queued.push(message);
    },
  });
  const next = () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise<string>((resolve) => waiting.push(resolve)));
  return { ready, stop, next };
}

for (const [backend, open] of [
  ['memory', async (): Promise<Store> => createMemoryStore()],
  ['redis', openTestRedisStore],
] as const) {
  describe(`${backend} store: publish and subscribe (the client cache's invalidations)`, () => {
    let a: Store;
    let b: Store;
    const channel = () => `${a.keys.clientsChanged}:${randomBytes(4).toString('hex')}`;

    before(async () => {
      a = await open();
      b = backend === 'memory' ? a : await open(); // two Redis connections stand for two processes
    });

    after(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    it('a message published through one store reaches a subscriber through another', async () => {
      const name = channel();
      const sub = listen(b, name);
      await sub.ready;
      await a.pubsub.publish(name, 'client-1');
      expect(await sub.next()).to.equal('client-1');
      await sub.stop();
    });

    it('a subscriber hears its own channel only, in order', async () => {
      const name = channel();
      const sub = listen(b, name);
      const other = listen(b, `${name}:other`);
      await Promise.all([sub.ready, other.ready]);
      await a.pubsub.publish(name, 'first');
      await a.pubsub.publish(`${name}:other`, 'elsewhere');
      await a.pubsub.publish(name, 'second');
      expect(await sub.next()).to.equal('first');
      expect(await sub.next()).to.equal('second'); // not 'elsewhere'
      expect(await other.next()).to.equal('elsewhere');
      await Promise.all([sub.stop(), other.stop()]);
    });
  });
}
