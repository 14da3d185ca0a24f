import { expect } from 'chai';

import { basic, postForm, registerClient, startTestServer, type RegisteredClient } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { startValtuusProcess, type ValtuusProcess } from '../support/valtuus_process.ts';

const BUDGET = 10;
const WORKERS = 3;

/**
 * README "Operations": the client authentication failure budget is shared by every worker
 * process. Each process leases points of it for its attempts in flight; of a burst spread by
 * the kernel over the workers, at most the budget is evaluated, and an honest burst larger
 * than the budget is served in full.
 */
describe(`token endpoint: the client authentication failure budget holds across ${WORKERS} worker processes (RFC 6749 §2.3.1)`, function () {
  this.timeout(120_000);
  let store: TestRedisStore;
  let server: ValtuusProcess;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: store.prefix });
    tpp = await registerClient(seeder, { name: 'Burst TPP' });
    await seeder.close();
    server = await startValtuusProcess({
      redisKeyPrefix: store.prefix,
      workers: WORKERS,
      env: {
        TRUST_PROXY: '127.0.0.1', // the test plays the clients of a proxy on loopback
        RATE_LIMIT_CLIENT_AUTH_FAILURES: String(BUDGET),
        RATE_LIMIT_ADDRESS_AUTH_FAILURES: '1000', // only the per-client budget is under test
      },
    });
  });

  after(async () => {
    await server?.stop();
    await store?.close();
  });

  const token = (secret: string, address: string) =>
    postForm(
      `${server.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read' },
      { authorization: basic(tpp.client_id, secret), 'x-forwarded-for': address },
    );

  it(`an honest burst of 120 concurrent right secrets from one address, twelve times the budget, is served in full`, async () => {
    const responses = await Promise.all(Array.from({ length: 120 }, () => token(tpp.client_secret, '203.0.113.60')));
    const statuses = responses.map((r) => r.status);
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(statuses.filter((s) => s === 200)).to.have.length(120);
  });

  it(`of 60 concurrent wrong secrets from one address, exactly ${BUDGET} are evaluated (401) and the rest refused (429); then the right one is refused there`, async () => {
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => token(`wrong-${i}`, '203.0.113.61')));
    const statuses = responses.map((r) => r.status);
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(statuses.filter((s) => s === 401)).to.have.length(BUDGET);
    expect(statuses.filter((s) => s === 429)).to.have.length(60 - BUDGET);
    const right = await token(tpp.client_secret, '203.0.113.61');
    expect(right.status).to.equal(429);
    const elsewhere = await token(tpp.client_secret, '198.51.100.61');
    expect(elsewhere.status).to.equal(200);
  });
});
