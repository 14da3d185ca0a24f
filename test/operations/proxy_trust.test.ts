import { expect } from 'chai';

import { basic, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const BUDGET = 3;

/**
 * Forwarding headers (RFC 7239 §8.2; X-Forwarded-For) are believed only from the proxies named
 * by TRUST_PROXY (README "Deployment"). What a caller writes itself never picks its address, so
 * it cannot escape a per-address budget (here RATE_LIMIT_ADDRESS_AUTH_FAILURES) nor spend
 * another address's.
 */
describe('operations: X-Forwarded-For is believed only from trusted proxies (TRUST_PROXY, RFC 7239 §8.2)', () => {
  const servers: TestServer[] = [];
  const stores: TestRedisStore[] = [];

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(stores.map((s) => s.close()));
  });

  async function serverTrusting(trustProxy: string | undefined): Promise<{ srv: TestServer; client: RegisteredClient }> {
    const store = await openTestRedisStore(); // budgets of its own
    stores.push(store);
    const srv = await startTestServer(store, {
      RATE_LIMIT_ADDRESS_AUTH_FAILURES: String(BUDGET),
      RATE_LIMIT_CLIENT_AUTH_FAILURES: '1000',
      ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }),
    });
    servers.push(srv);
    return { srv, client: await registerClient(srv) };
  }

  /** One failed client authentication, with this X-Forwarded-For; the status says whether the budget still allowed it. */
  async function failWith(srv: TestServer, client: RegisteredClient, forwardedFor: string): Promise<number> {
    const res = await postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic(client.client_id, 'wrong-secret'), 'x-forwarded-for': forwardedFor },
    );
    await res.body?.cancel();
    return res.status;
  }

  it('unset: a caller that writes a new X-Forwarded-For each time still spends its own address’s budget', async () => {
    const { srv, client } = await serverTrusting(undefined);
    const statuses = [];
    for (let i = 0; i < BUDGET + 2; i += 1) statuses.push(await failWith(srv, client, `192.0.2.${i + 1}`));
    expect(statuses).to.deep.equal([401, 401, 401, 429, 429]);
  });

  it('a list without the peer: the peer’s forwarding headers are ignored', async () => {
    const { srv, client } = await serverTrusting('10.0.0.0/8,fd00::/8');
    const statuses = [];
    for (let i = 0; i < BUDGET + 1; i += 1) statuses.push(await failWith(srv, client, `192.0.2.${i + 1}`));
    expect(statuses).to.deep.equal([401, 401, 401, 429]);
  });

  it('a trusted proxy: its clients have budgets of their own, read from the right past trusted hops', async () => {
    const { srv, client } = await serverTrusting('127.0.0.1/8,10.0.0.0/8');
    for (let i = 0; i < BUDGET; i += 1) expect(await failWith(srv, client, '203.0.113.5')).to.equal(401);
    // whatever the client wrote further left, the address the trusted hops saw is the one counted
    expect(await failWith(srv, client, '198.51.100.99, 203.0.113.5')).to.equal(429);
    expect(await failWith(srv, client, '198.51.100.98, 203.0.113.5, 10.1.2.3')).to.equal(429);
    // another client of the proxy is not affected
    expect(await failWith(srv, client, '203.0.113.6')).to.equal(401);
  });

  it('all (one router in front, as on Heroku): only the last X-Forwarded-For entry, never one the client wrote', async () => {
    const { srv, client } = await serverTrusting('all');
    for (let i = 0; i < BUDGET; i += 1) expect(await failWith(srv, client, `192.0.2.${i + 1}, 203.0.113.7`)).to.equal(401);
    expect(await failWith(srv, client, '192.0.2.200, 203.0.113.7')).to.equal(429);
    expect(await failWith(srv, client, '203.0.113.8')).to.equal(401);
  });
});
