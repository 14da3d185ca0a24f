import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { expect } from 'chai';
import { decodeJwt } from 'jose';

import { createCustomer, type TestCustomer } from '../support/flow.ts';
import { expectOAuthError, json, type Json, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { pollToken, registerCibaClient, startCibaServer, startRequest } from './support.ts';

const SECRET = 'app-backend-webhook-key-0123456789abcdef';
const API_TOKEN = 'app-backend-approval-token-0123456789abcdef';

interface Received {
  body: string;
  signature: string;
}

/** The bank's app backend: answers each notification with the next status in `script` (then 200). */
async function startAppBackend(
  script: number[],
): Promise<{ server: Server; url: string; received: Received[]; next: () => Promise<Received> }> {
  const received: Received[] = [];
  const waiting: ((r: Received) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['valtuus-signature']) };
      received.push(r);
      res.writeHead(script.shift() ?? 200).end();
      waiting.shift()?.(r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/valtuus`;
  return { server, url, received, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

/** What the app backend does with the configured key: recompute the HMAC over "<t>.<body>". */
function verified(r: Received): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature);
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.${r.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

function decide(srv: TestServer, body: Json, token = API_TOKEN): Promise<Response> {
  return fetch(`${srv.url}/approval-api/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe("CIBA through the bank's app backend: signed webhook and approval API", function () {
  this.timeout(30_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let backend: Awaited<ReturnType<typeof startAppBackend>>;
  let client: RegisteredClient;
  let customer: TestCustomer;
  const failures: string[] = [];
  let failureSeen: () => void = () => undefined;

  before(async () => {
    backend = await startAppBackend([503]);
    store = await openTestRedisStore();
    const logTo = new Writable({
      write(chunk: Buffer, _enc, done) {
        const line = chunk.toString('utf8');
        if (line.includes('CIBA notification failed')) {
          failures.push(line);
          failureSeen();
        }
        done();
      },
    });
    const env = {
      CIBA_WEBHOOK_URL: backend.url,
      CIBA_WEBHOOK_SECRET: SECRET,
      CIBA_WEBHOOK_BACKOFF_MS: '20',
      APPROVAL_API_TOKEN: API_TOKEN,
      LOG_LEVEL: 'warn',
    };
    srv = await startCibaServer(store, env, { logTo });
    client = await registerCibaClient(srv, { name: 'Kassa Kiosk' });
    customer = await createCustomer(srv.deps);
  });
  after(async () => {
    await srv.close();
    await store.close();
    backend.server.close();
  });

  it('the notification is signed with the configured key, retried after a failure, and the approval API completes the request', async () => {
    const first = backend.next();
    const retried = first.then(() => backend.next());
    const started = await startRequest(srv, client, { login_hint: customer.username, binding_message: 'APP-77' });
    await retried;
    expect(backend.received).to.have.length(2);
    expect(backend.received[0]!.body).to.equal(backend.received[1]!.body);
    expect(verified(backend.received[1]!)).to.equal(true);
    expect(verified({ ...backend.received[1]!, body: backend.received[1]!.body.replace('APP-77', 'APP-78') })).to.equal(false);
    const note = JSON.parse(backend.received[1]!.body) as Json;
    expect(note).to.include({ auth_req_id: started.auth_req_id, sub: customer.sub, client_name: 'Kassa Kiosk', binding_message: 'APP-77' });
    expect(note.apis).to.deep.equal([{ id: 'accounts', name: 'Accounts', level: 'substantial' }]);
    expect(note.scopes).to.deep.equal(['openid', 'accounts:read']);
    expect(note.expires_at).to.be.closeTo(Math.floor(Date.now() / 1000) + started.expires_in, 2);

    const answer = {
      auth_req_id: started.auth_req_id,
      sub: customer.sub,
      decision: 'allow',
      acr: 'urn:bank:acr:mobile-key',
      amr: ['hwk', 'face'],
    };
    expect((await decide(srv, answer, 'wrong-token')).status).to.equal(401);
    expect((await decide(srv, { ...answer, sub: 'someone-else' })).status).to.equal(404);
    expect((await decide(srv, { ...answer, amr: 'hwk' })).status).to.equal(400);
    expect((await decide(srv, answer)).status).to.equal(204);
    expect((await decide(srv, answer)).status).to.equal(404); // used once

    const res = await pollToken(srv, client, started.auth_req_id);
    const tokens = await json(res);
    expect(res.status, JSON.stringify(tokens)).to.equal(200);
    expect(tokens.status).to.equal('approved');
    expect(decodeJwt(tokens.id_token)).to.include({ sub: customer.sub, acr: 'urn:bank:acr:mobile-key' });
    expect(decodeJwt(tokens.id_token).amr).to.deep.equal(['hwk', 'face']);
  });

  it('a deny through the API ends in access_denied with status rejected', async () => {
    const notified = backend.next();
    const started = await startRequest(srv, client, { login_hint: customer.username });
    await notified;
    const answer = { auth_req_id: started.auth_req_id, sub: customer.sub, decision: 'deny', acr: 'urn:bank:acr:mobile-key', amr: ['hwk'] };
    expect((await decide(srv, answer)).status).to.equal(204);
    expect(await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'access_denied')).to.include({
      status: 'rejected',
    });
  });

  it('a delivery that keeps failing is logged after its retries and leaves the request pending', async () => {
    backend.server.close();
    backend.server.closeAllConnections();
    const logged = new Promise<void>((resolve) => (failureSeen = resolve));
    const started = await startRequest(srv, client, { login_hint: customer.username });
    await logged;
    expect(failures).to.have.length(1);
    expect(JSON.parse(failures[0]!)).to.include({ attempts: 4, msg: 'CIBA notification failed' });
    expect(failures[0]).not.to.include(started.auth_req_id);
    const body = await expectOAuthError(await pollToken(srv, client, started.auth_req_id), 400, 'authorization_pending');
    expect(body).to.include({ status: 'pending' });
  });
});
