import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

import { expect } from 'chai';

import { basic, registerClient, startTestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { startValtuusProcess } from '../support/valtuus_process.ts';

interface Outcome {
  status?: number;
  complete?: boolean;
  connection?: string;
  error?: string;
}

function tokenRequest(port: number, auth: string, agent: Agent | false): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/token',
        method: 'POST',
        agent,
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => {
          const complete = /"access_token":"/.test(text);
          resolve({ status: res.statusCode!, complete, connection: String(res.headers.connection) });
        });
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end('grant_type=client_credentials&scope=public%3Aread');
  });
}

/** A keep-alive connection that has served one request and now sits idle. */
async function idleKeepAlive(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
  await once(socket, 'data');
  return socket;
}

describe('operations: SIGTERM to the whole process group, as Heroku sends it (README "Operations")', function () {
  this.timeout(60_000);
  let store: TestRedisStore;
  let child: ChildProcess | undefined;

  before(async () => {
    store = await openTestRedisStore();
  });
  after(async () => {
    child?.kill('SIGKILL');
    await store?.close();
  });

  it('every process stops cleanly: accepted requests answered 200, idle keep-alive connections closed at once, exit 0 well within 10 s', async () => {
    const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: store.prefix });
    const tpp = await registerClient(seeder);
    await seeder.close();
    const valtuus = await startValtuusProcess({ redisKeyPrefix: store.prefix, workers: 2, detached: true });
    child = valtuus.child;
    const { port } = valtuus;
    const auth = basic(tpp.client_id, tpp.client_secret);

    const idle = await Promise.all([idleKeepAlive(port), idleKeepAlive(port)]);
    const fresh = connect(port, '127.0.0.1'); // accepted, no request sent yet
    await once(fresh, 'connect');
    const closedAt: number[] = [];
    for (const socket of [...idle, fresh]) {
      socket.on('error', () => undefined);
      socket.on('close', () => closedAt.push(Date.now()));
    }

    const keepAlive = new Agent({ keepAlive: true, maxSockets: 10 });
    const outcomes: Outcome[] = [];
    let sending = true;
    const loops = Array.from({ length: 16 }, async (_, i) => {
      while (sending) outcomes.push(await tokenRequest(port, auth, i % 2 === 0 ? keepAlive : false));
    });
    while (outcomes.filter((o) => o.status === 200).length < 100) await new Promise((resolve) => setTimeout(resolve, 20));

    const signalledAt = Date.now();
    const exited = once(child, 'exit');
    process.kill(-child.pid!, 'SIGTERM'); // the primary and both workers, at once
    const [code] = (await exited) as [number | null];
    const elapsed = Date.now() - signalledAt;
    sending = false;
    await Promise.all(loops);
    keepAlive.destroy();

    expect(code, valtuus.lines.slice(-5).join('\n')).to.equal(0);
    expect(elapsed, 'exit after the signal (ms)').to.be.below(5000);
    expect(closedAt, 'idle and fresh connections closed').to.have.length(3);
    for (const at of closedAt.slice(0, 2)) expect(at - signalledAt, 'idle keep-alive closed (ms after the signal)').to.be.below(1000);

    const answered = outcomes.filter((o) => o.status !== undefined);
    const bad = answered.find((o) => o.status !== 200 || !o.complete);
    expect(bad, JSON.stringify(bad)).to.equal(undefined);
    const errors = outcomes.filter((o) => o.error).map((o) => o.error);
    // refused once the listeners closed; reset only for connections left in the kernel's accept queue
    expect(errors.filter((e) => e !== 'ECONNREFUSED' && e !== 'ECONNRESET')).to.deep.equal([]);
    const stopped = valtuus.lines
      .filter((l) => l.includes('"msg":"stopped'))
      .map((l) => JSON.parse(l) as { requests: number; responses: number });
    expect(stopped, 'both workers stopped by themselves').to.have.length(2);
    for (const s of stopped) expect(s.responses).to.equal(s.requests);
  });
});
