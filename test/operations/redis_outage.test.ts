import { once } from 'node:events';

import { expect } from 'chai';

import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { freePorts, startRedisProcess, type RedisProcess } from '../support/redis_process.ts';
import { basic, json, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';

/** A private redis-server, so that stopping it disturbs no other test. */
function startRedis(port: number): Promise<RedisProcess> {
  return startRedisProcess(
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    port,
    /Ready to accept connections/,
  );
}

describe('operations: Redis outage answers 503 temporarily_unavailable and recovers by itself (RFC 6749 §5.2, README "Operations")', () => {
  let redisPort: number;
  let redis: RedisProcess | undefined;
  let store: Store;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    [redisPort = 0] = await freePorts(1);
    redis = await startRedis(redisPort);
    store = createRedisStore({ url: `redis://127.0.0.1:${redisPort}`, keyPrefix: 'outage:' });
    srv = await startTestServer(store);
    tpp = await registerClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
    await redis?.stop();
  });

  const tokenRequest = () =>
    postForm(`${srv.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(tpp.client_id, tpp.client_secret) });

  it('fails fast with 503 temporarily_unavailable while Redis is down, and recovers by itself', async () => {
    expect((await tokenRequest()).status).to.equal(200);
    // kept in Redis, which loses everything here: re-created after the restart below
    const clientMetadata = await store.adapter('Client').find(tpp.client_id);

    await redis!.stop();

    const started = Date.now();
    const down = await tokenRequest();
    const elapsed = Date.now() - started;
    expect(down.status).to.equal(503);
    const body = await json(down);
    expect(body.error).to.equal('temporarily_unavailable');
    expect(JSON.stringify(body)).not.to.match(/\bat \w|ECONNREFUSED|node_modules/);
    expect(elapsed).to.be.below(2000);

    expect((await fetch(`${srv.url}/healthz`)).status).to.equal(200);
    const readyStarted = Date.now();
    expect((await fetch(`${srv.url}/readyz`)).status).to.equal(503);
    expect(Date.now() - readyStarted).to.be.below(2000);

    // a person in the browser flow gets a readable page, not JSON or a stack trace
    const page = await fetch(`${srv.url}/auth?client_id=not-cached-client&response_type=code&scope=openid`, {
      headers: { accept: 'text/html' },
    });
    expect(page.status).to.equal(503);
    const html = await page.text();
    expect(html).to.match(/<html/i);
    expect(html).not.to.match(/\bat \w+ \(|node_modules/);

    redis = await startRedis(redisPort);
    // the store reconnects on its own; the test only waits for the event that says so
    if (store.redis!.status !== 'ready') await once(store.redis!, 'ready');
    await store.adapter('Client').upsert(tpp.client_id, clientMetadata!);
    expect((await tokenRequest()).status).to.equal(200);
    expect((await fetch(`${srv.url}/readyz`)).status).to.equal(200);
  });
});
