import { once } from 'node:events';

import { expect } from 'chai';

import { basic, postForm, registerClient, startTestServer, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { keyLayout } from '../../adapters/keys.ts';
import { createRedisStore } from '../../adapters/redis.ts';

describe('client registrations cached per process, dropped everywhere on change', () => {
  let storeA: TestRedisStore;
  let storeB: ReturnType<typeof createRedisStore>;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    storeA = await openTestRedisStore();
    storeB = createRedisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: storeA.prefix });
    a = await startTestServer(storeA, { REDIS_KEY_PREFIX: storeA.prefix });
    b = await startTestServer(storeB, { REDIS_KEY_PREFIX: storeA.prefix });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await storeB?.close();
    await storeA?.close();
  });

  const token = (srv: TestServer, id: string, secret: string) =>
    postForm(`${srv.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(id, secret) });

  /**
   * The status once the other process has heard the change too: it hears it on a connection of
   * its own, so a moment after the test's listener may have. Far sooner than the cache's own
   * 10 s expiry, which is what "at once" rules out.
   */
  async function statusOnceHeard(srv: TestServer, id: string, secret: string): Promise<number> {
    const deadline = Date.now() + 1_000;
    for (;;) {
      const res = await token(srv, id, secret);
      await res.body?.cancel();
      if (res.status !== 200 || Date.now() > deadline) return res.status;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('a secret rotated through one process stops working in another at once', async () => {
    const tpp = await registerClient(a);
    expect((await token(b, tpp.client_id, tpp.client_secret)).status).to.equal(200); // now cached in B

    // wait for the change message itself rather than for time to pass
    const listener = storeA.probe.duplicate();
    await listener.subscribe(keyLayout(storeA.prefix).clientsChanged);
    const heard = once(listener, 'message');
    const { client_secret: fresh } = (await a.clients.rotateSecret(tpp.client_id)) as { client_secret: string };
    await heard;
    listener.disconnect();

    expect(await statusOnceHeard(b, tpp.client_id, tpp.client_secret)).to.equal(401);
    expect((await token(b, tpp.client_id, fresh)).status).to.equal(200);
  });

  it('a client deleted through one process is unknown to the other', async () => {
    const tpp = await registerClient(b);
    expect((await token(a, tpp.client_id, tpp.client_secret)).status).to.equal(200);
    const listener = storeA.probe.duplicate();
    await listener.subscribe(keyLayout(storeA.prefix).clientsChanged);
    const heard = once(listener, 'message');
    await b.clients.delete(tpp.client_id);
    await heard;
    listener.disconnect();
    expect(await statusOnceHeard(a, tpp.client_id, tpp.client_secret)).to.equal(401);
  });

  it('a process keeps one Client per unchanged registration, and builds it anew once the registration changes', async () => {
    const tpp = await registerClient(a);
    const first = (await a.provider.Client.find(tpp.client_id)) as { clientSecret?: string } | undefined;
    expect(first).to.not.equal(undefined);
    expect(await a.provider.Client.find(tpp.client_id)).to.equal(first);
    await a.clients.rotateSecret(tpp.client_id);
    const changed = (await a.provider.Client.find(tpp.client_id)) as { clientSecret?: string } | undefined;
    expect(changed).to.not.equal(first);
    expect(changed?.clientSecret).to.not.equal(first?.clientSecret);
  });
});
