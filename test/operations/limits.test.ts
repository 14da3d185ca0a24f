import { keyLayout } from '../../adapters/keys.ts';
import { expect } from 'chai';

import { BatchedBudget } from '../../server/ops/batched_budget.ts';

import {
  basic,
  expectOAuthError,
  json,
  postForm,
  registerClient,
  type RegisteredClient,
  type TestServer,
  useServerOnRedis,
} from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

describe('abuse limits (RFC 6585 §4 429, RFC 6749 §5.2): failed client authentication at the token endpoint', () => {
  const fx = useServerOnRedis({
    RATE_LIMIT_CLIENT_AUTH_FAILURES: '10',
    RATE_LIMIT_ADDRESS_AUTH_FAILURES: '40',
    TRUST_PROXY: '127.0.0.1', // the test plays a proxy's clients with X-Forwarded-For
  });
  let srv: TestServer;
  let victim: RegisteredClient;
  let other: RegisteredClient;

  before(async () => {
    ({ srv } = fx);
    victim = await registerClient(srv, { name: 'Victim' });
    other = await registerClient(srv, { name: 'Bystander' });
  });

  const attempt = (client: RegisteredClient, secret: string, address: string) =>
    postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read' },
      { authorization: basic(client.client_id, secret), 'x-forwarded-for': address },
    );

  it('throttles 60 wrong secrets for one client in a minute with 429 and Retry-After, and other clients are unaffected', async () => {
    const statuses: number[] = [];
    let throttled: Response | undefined;
    for (let i = 0; i < 60; i += 1) {
      const res = await attempt(victim, `wrong-${i}`, '203.0.113.7');
      statuses.push(res.status);
      if (res.status === 429) throttled ??= res;
      else await res.body?.cancel();
    }
    expect(
      statuses.slice(0, 9).every((s) => s === 401),
      statuses.join(','),
    ).to.equal(true);
    expect(statuses.filter((s) => s === 429)).to.have.length.at.least(50);
    expect(statuses.every((s) => s === 401 || s === 429)).to.equal(true);
    expect(Number(throttled!.headers.get('retry-after'))).to.be.within(1, 60);
    const body = await expectOAuthError(throttled!, 429, 'temporarily_unavailable');
    expect(body.error_description).to.match(/too many/);

    // a correct secret from the same address is throttled too: the address is guessing
    expect((await attempt(victim, victim.client_secret, '203.0.113.7')).status).to.equal(429);
    // the client itself, from its own address, and every other client are not affected
    expect((await attempt(victim, victim.client_secret, '198.51.100.20')).status).to.equal(200);
    expect((await attempt(other, other.client_secret, '198.51.100.21')).status).to.equal(200);
  });

  it('throttles an address that guesses across many clients, by address', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => registerClient(srv, { name: `Spread ${i}` })));
    const statuses: number[] = [];
    for (let i = 0; i < 45; i += 1) {
      const res = await attempt(ids[i % 5]!, 'nope', '203.0.113.99');
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 429).length).to.be.greaterThan(0);
    expect((await attempt(ids[0]!, ids[0]!.client_secret, '198.51.100.30')).status).to.equal(200);
  });

  it('does not let a client-written X-Forwarded-For entry choose the counted address', async () => {
    // the router appends the real address last; a forged first entry must not reset the budget
    const statuses: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const res = await attempt(victim, 'nope', `10.0.0.${i}, 203.0.113.50`);
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).to.include(429);
  });
});

describe('abuse limits (RFC 6585 §4 429): token requests per client', () => {
  const fx = useServerOnRedis({ RATE_LIMIT_TOKEN_REQUESTS: '5' });
  let srv: TestServer;

  before(async () => {
    ({ srv } = fx);
  });

  it('answers 429 past the per-minute budget of one client, and not for another client', async () => {
    const busy = await registerClient(srv, { name: 'Busy' });
    const calm = await registerClient(srv, { name: 'Calm' });
    const minute = () => Math.floor(Date.now() / 60_000);
    const spend = async (): Promise<number[]> => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        const res = await postForm(
          `${srv.url}/token`,
          { grant_type: 'client_credentials' },
          { authorization: basic(busy.client_id, busy.client_secret) },
        );
        statuses.push(res.status);
        if (res.status === 429) {
          expect(res.headers.get('retry-after')).to.match(/^\d+$/);
          expect((await json(res)).error).to.equal('temporarily_unavailable');
        } else await res.body?.cancel();
      }
      return statuses;
    };
    // the budget is per clock minute: a run that crossed into the next one is run again, from its start
    let started = minute();
    let statuses = await spend();
    if (minute() !== started) {
      started = minute();
      statuses = await spend();
      expect(minute(), 'two minute boundaries in a row').to.equal(started);
    }
    expect(statuses.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).to.deep.equal([429, 429, 429]);
    const res = await postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic(calm.client_id, calm.client_secret) },
    );
    expect(res.status).to.equal(200);
  });
});

describe('abuse limits (RFC 6585 §4 429): the token budget is shared by every process', () => {
  let store: TestRedisStore;

  before(async () => {
    store = await openTestRedisStore();
    await store.ping(); // the budget uses the store's client directly, which queues nothing while connecting
  });

  after(async () => {
    await store?.close();
  });

  it('counts locally, adds up in Redis, and refuses everywhere once the total is spent', async () => {
    const budget = 10;
    const a = new BatchedBudget(store.redis!, keyLayout(store.prefix).tokenBudget, budget);
    const b = new BatchedBudget(store.redis!, keyLayout(store.prefix).tokenBudget, budget);
    const now = Date.now();
    for (let i = 0; i < 6; i += 1) expect(a.spend('client-1', now)).to.equal(undefined);
    for (let i = 0; i < 4; i += 1) expect(b.spend('client-1', now)).to.equal(undefined);
    await Promise.all([a.flush(), b.flush()]);
    // a process learns the others' counts when it next adds its own: at most one flush late
    a.spend('client-1', now);
    await a.flush();
    expect(a.spend('client-1', now)).to.be.a('number').within(1, 60);
    b.spend('client-1', now);
    await b.flush();
    expect(b.spend('client-1', now)).to.be.a('number').within(1, 60);
    expect(a.spend('client-2', now)).to.equal(undefined); // another client has its own budget
    expect(Number(await store.probe.get(`${store.prefix}limit:token:{client-1}:${Math.floor(now / 60_000)}`))).to.be.within(10, 12);
  });
});
