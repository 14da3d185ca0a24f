import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';

import { expect } from 'chai';

import { basic, registerClient, startTestServer } from '../support/server.ts';
import { startValtuusProcess } from '../support/valtuus_process.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

interface Outcome {
  status?: number;
  complete?: boolean;
  error?: string;
}

/** One token request on its own connection, so a refused connection is told apart from a dropped one. */
function tokenRequest(port: number, auth: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const body = 'grant_type=client_credentials&scope=public%3Aread';
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/token',
        method: 'POST',
        agent: false,
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => {
          let complete = false;
          try {
            complete = typeof JSON.parse(text).access_token === 'string';
          } catch {
            complete = false;
          }
          resolve({ status: res.statusCode!, complete });
        });
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

describe('operations: graceful shutdown on SIGTERM finishes in-flight requests (README "Operations") with WEB_CONCURRENCY workers', () => {
  let store: TestRedisStore;
  let child: ChildProcess | undefined;

  before(async () => {
    store = await openTestRedisStore();
  });

  after(async () => {
    child?.kill('SIGKILL');
    await store?.close();
  });

  it('answers every accepted request completely after SIGTERM under load and exits within 10 s', async () => {
    const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: store.prefix });
    const tpp = await registerClient(seeder);
    await seeder.close();

    const valtuus = await startValtuusProcess({ redisKeyPrefix: store.prefix, workers: 2 });
    child = valtuus.child;
    const { port } = valtuus;

    const auth = basic(tpp.client_id, tpp.client_secret);
    const outcomes: Outcome[] = [];
    let sending = true;
    const loops = Array.from({ length: 20 }, async () => {
      while (sending) outcomes.push(await tokenRequest(port, auth));
    });
    while (outcomes.filter((o) => o.status === 200).length < 200) await tokenRequest(port, auth).then((o) => outcomes.push(o));

    const started = Date.now();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    const elapsed = Date.now() - started;
    sending = false;
    await Promise.all(loops);

    expect(code).to.equal(0);
    expect(elapsed).to.be.below(10_000);
    const answered = outcomes.filter((o) => o.status !== undefined);
    expect(answered.length).to.be.greaterThan(200);
    expect(
      answered.every((o) => o.status === 200 && o.complete),
      JSON.stringify(answered.find((o) => o.status !== 200 || !o.complete)),
    ).to.equal(true);
    // Connections still in the kernel's accept queue when the listener closes are reset
    // without ever reaching a worker; every connection a worker accepted was answered.
    const stopped = valtuus.lines
      .filter((l) => l.includes('"msg":"stopped'))
      .map((l) => JSON.parse(l) as { connections: number; requests: number; responses: number });
    expect(stopped).to.have.length(2);
    const accepted = stopped.reduce((n, s) => n + s.connections, 0);
    expect(stopped.reduce((n, s) => n + s.responses, 0)).to.equal(accepted);
    expect(answered.length).to.equal(accepted);
    const errors = outcomes.filter((o) => o.error).map((o) => o.error);
    expect(errors.filter((e) => e !== 'ECONNREFUSED' && e !== 'ECONNRESET')).to.deep.equal([]);
  });
});
