import { expect } from 'chai';
import { Redis } from 'ioredis';

import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { freePort, startRedisProcess, type RedisProcess } from '../support/redis_process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startValtuusProcess } from '../support/valtuus_process.ts';

const METRICS_TOKEN = 'metrics-token-for-the-eviction-test-0123456789';
const LIMIT = 64 * 1024 * 1024;

describe('operations: a Redis that may evict keys is refused (README "Guarantees under faults")', function () {
  this.timeout(60_000);
  let redis: RedisProcess;
  let admin: Redis;
  let store: Store;
  let srv: TestServer;

  before(async () => {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    redis = await startRedisProcess([...args, '--maxmemory', String(LIMIT), '--maxmemory-policy', 'allkeys-lru'], port, /Ready to accept/);
    admin = new Redis(port, '127.0.0.1');
  });
  after(async () => {
    await srv?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  const url = () => `redis://127.0.0.1:${redis.port}`;
  const metrics = async () => (await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();

  it('refuses to start in production, naming maxmemory-policy and the fix', async () => {
    const started = startValtuusProcess({
      redisUrl: url(),
      redisKeyPrefix: 'evict:',
      env: { NODE_ENV: 'production', ISSUER: 'https://auth.bank.example' },
    });
    const err = await started.then(
      (p) => p.stop().then(() => expect.fail('it started')),
      (e: Error) => e,
    );
    expect(err.message, 'EX_CONFIG: a setting, not a crash').to.match(/exited with 78/);
    expect(err.message).to.contain('maxmemory-policy allkeys-lru');
    expect(err.message).to.contain('noeviction');
  });

  it('with several workers, the primary stops instead of starting refused workers again', async () => {
    const err = await startValtuusProcess({
      redisUrl: url(),
      redisKeyPrefix: 'evict:',
      workers: 2,
      env: { NODE_ENV: 'production', ISSUER: 'https://auth.bank.example' },
    }).then(
      (p) => p.stop().then(() => expect.fail('it started')),
      (e: Error) => e,
    );
    expect(err.message).to.match(/exited with 1/);
    expect(err.message).to.contain('a worker refused to start; stopping');
    expect(err.message).to.not.contain('starting another');
  });

  it('outside production serves, and /readyz answers 503 "unsafe" naming the policy; the metrics show memory and the limit', async () => {
    store = createRedisStore({ url: url(), keyPrefix: 'evict:' });
    srv = await startTestServer(store, { METRICS_TOKEN });
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).to.equal(503);
    const body = (await ready.json()) as { status: string; problems: string[] };
    expect(body.status).to.equal('unsafe');
    expect(body.problems[0]).to.contain('maxmemory-policy allkeys-lru');
    const text = await metrics();
    expect(text).to.match(new RegExp(`valtuus_store_memory_limit_bytes\\{node="127.0.0.1:${redis.port}"\\} ${LIMIT}`));
    expect(Number(/valtuus_store_memory_used_bytes\{[^}]*\} (\d+)/.exec(text)?.[1])).to.be.greaterThan(0);
    expect(text).to.match(/valtuus_store_eviction_safe 0/);
  });

  it('is ready once the policy is noeviction', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready', store: 'redis' });
    expect(await metrics()).to.match(/valtuus_store_eviction_safe 1/);
  });
});
