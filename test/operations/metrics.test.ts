import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { expect } from 'chai';

import { basic, postForm, registerClient, startTestServer, testJwks, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const TOKEN = 'metrics-token-0123456789-0123456789-abcdef';

describe('metrics (issue 5): Prometheus text format', () => {
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
    expect(text).to.contain('valtuus_process_resident_memory_bytes');
    expect(text).not.to.contain(tpp.client_secret);
  });
});

describe('metrics (issue 5): METRICS_PORT with WEB_CONCURRENCY workers', () => {
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
    const port = 20000 + Math.floor(Math.random() * 20000);
    child = spawn(process.execPath, ['server/index.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: String(port),
        METRICS_PORT: String(port + 1),
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: store.prefix,
        WEB_CONCURRENCY: '2',
        COOKIE_KEYS: 'k'.repeat(40),
        JWKS: JSON.stringify(testJwks()),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let listening = 0;
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        if (line.includes('"msg":"listening"') && ++listening === 2) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const auth = { authorization: basic(tpp.client_id, tpp.client_secret), connection: 'close' };
    await Promise.all(
      Array.from({ length: 20 }, async () =>
        (await postForm(`http://127.0.0.1:${port}/token`, { grant_type: 'client_credentials' }, auth)).text(),
      ),
    );

    const text = await (await fetch(`http://127.0.0.1:${port + 1}/metrics`)).text();
    expect(text).to.contain(
      'valtuus_tokens_issued_total{grant_type="client_credentials",api="https://api.valtuus.example/public-data"} 20',
    );
    // not on the public port
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).to.equal(404);
  });
});
