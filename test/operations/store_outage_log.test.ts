import { Writable } from 'node:stream';

import { expect } from 'chai';

import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { freePorts, pollUntil, startRedisProcess, type RedisProcess } from '../support/redis_process.ts';
import { basic, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';

function startRedis(port: number): Promise<RedisProcess> {
  return startRedisProcess(
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    port,
    /Ready to accept connections/,
  );
}

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('operations: a Redis outage is logged once, with its error, and its end once (README "Operations")', () => {
  let redisPort: number;
  let redis: RedisProcess | undefined;
  let store: Store;
  let srv: TestServer;
  let tpp: RegisteredClient;
  const logs = captureLines();

  before(async () => {
    [redisPort = 0] = await freePorts(1);
    redis = await startRedis(redisPort);
    store = createRedisStore({ url: `redis://127.0.0.1:${redisPort}`, keyPrefix: 'outage-log:' });
    srv = await startTestServer(store, { LOG_LEVEL: 'info' }, { logTo: logs.stream });
    tpp = await registerClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
    await redis?.stop();
  });

  const tokenRequest = () =>
    postForm(`${srv.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(tpp.client_id, tpp.client_secret) });
  const outageLines = () => logs.lines().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('store '));

  it('logs "store unreachable" once for many failing requests, then "store reachable again" once', async () => {
    expect(outageLines()).to.deep.equal([]);
    const clientMetadata = await store.adapter('Client').find(tpp.client_id);
    await redis!.stop();
    for (let i = 0; i < 5; i += 1) expect((await tokenRequest()).status).to.equal(503);
    await pollUntil('the store to report the outage', async () => outageLines().length > 0);

    redis = await startRedis(redisPort);
    await pollUntil('the store to be ready again', async () => (await fetch(`${srv.url}/readyz`)).status === 200);
    await pollUntil('the recovery line', async () => outageLines().length > 1);
    await store.adapter('Client').upsert(tpp.client_id, clientMetadata!);
    expect((await tokenRequest()).status).to.equal(200);

    const [down, up, ...more] = outageLines();
    expect(more, 'one line each').to.deep.equal([]);
    expect(down).to.include({ level: 50, msg: 'store unreachable: requests answer 503 until it is back' });
    expect(down!.err).to.include({ type: 'Error', code: 'ECONNREFUSED' });
    expect(up).to.include({ level: 30, msg: 'store reachable again' });
    expect(up!.down_ms).to.be.a('number');
  });
});
