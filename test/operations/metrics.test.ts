import type { ChildProcess } from 'node:child_process';

import { expect } from 'chai';

import { freePorts } from '../support/redis_process.ts';
import { basic, postForm, registerClient, startTestServer, type TestServer } from '../support/server.ts';
import { startValtuusProcess } from '../support/valtuus_process.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const TOKEN = 'metrics-token-0123456789-0123456789-abcdef';

describe('metrics (README "Operations"): Prometheus text format', () => {
  let store: TestRedisStore;
  let srv: TestServer;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, { METRICS_TOKEN: TOKEN });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  it('is off by default', async () => {
    const plain = await startTestServer(store);
    try {
      const res = await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).to.equal(404);
    } finally {
      await plain.close();
    }
  });

  it('refuses /metrics without the bearer token', async () => {
    const res = await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
  });

  it('a grant type the client made up is counted as "other": a client cannot grow the label set', async () => {
    const tpp = await registerClient(srv);
    for (const made of ['urn:x:made-up-1', 'urn:x:made-up-2']) {
      await (await postForm(`${srv.url}/token`, { grant_type: made }, { authorization: basic(tpp.client_id, tpp.client_secret) })).text();
    }
    const text = await (await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).not.to.contain('made-up');
    expect(text).to.match(/valtuus_token_errors_total\{grant_type="other",error="unsupported_grant_type"\} 2/);
  });

  it('counts requests per endpoint and outcome, tokens per grant and API, and refusals', async () => {
    const tpp = await registerClient(srv);
    for (let i = 0; i < 3; i += 1) {
      await (
        await postForm(`${srv.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(tpp.client_id, tpp.client_secret) })
      ).text();
    }
    await (
      await postForm(`${srv.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(tpp.client_id, 'nope') })
    ).text();

    const res = await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await res.text();
    expect(text).to.contain('valtuus_tokens_issued_total{grant_type="client_credentials",api="https://api.valtuus.example/public-data"} 3');
    expect(text).to.contain('valtuus_token_errors_total{grant_type="client_credentials",error="invalid_client"} 1');
    expect(text).to.match(/valtuus_http_request_duration_seconds_count\{route="token",method="POST",status="200"\} 3/);
    expect(text).to.match(/valtuus_http_request_duration_seconds_count\{route="token",method="POST",status="401"\} 1/);
    expect(text).not.to.contain(tpp.client_secret);
    // process metrics belong to a served process (the next block): an app built for a test or an
    // admin command starts no event-loop monitor, whose 10 ms timer nothing would stop
    expect(text).not.to.match(/^valtuus_process_/m);
  });
});

describe('metrics (README "Operations"): METRICS_PORT with WEB_CONCURRENCY workers', () => {
  let store: TestRedisStore;
  let child: ChildProcess | undefined;

  before(async () => {
    store = await openTestRedisStore();
  });

  after(async () => {
    child?.kill('SIGKILL');
    await store?.close();
  });

  it('serves the sum over all workers on a port of its own', async () => {
    const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: store.prefix });
    const tpp = await registerClient(seeder);
    await seeder.close();
    const [port, metricsPort] = await freePorts(2);
    const valtuus = await startValtuusProcess({
      redisKeyPrefix: store.prefix,
      workers: 2,
      port,
      env: { METRICS_PORT: String(metricsPort) },
    });
    child = valtuus.child;
    const auth = { authorization: basic(tpp.client_id, tpp.client_secret), connection: 'close' };
    await Promise.all(
      Array.from({ length: 20 }, async () =>
        (await postForm(`http://127.0.0.1:${port}/token`, { grant_type: 'client_credentials' }, auth)).text(),
      ),
    );

    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).to.contain(
      'valtuus_tokens_issued_total{grant_type="client_credentials",api="https://api.valtuus.example/public-data"} 20',
    );
    // the served processes' own metrics, which an admin command's or a test's app does not start
    expect(text).to.match(/^valtuus_process_resident_memory_bytes \d+/m);
    // not on the public port
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).to.equal(404);
  });
});
