import { expect } from 'chai';

import { createRedisStore } from '../../adapters/redis.ts';
import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { openTestRedis, type TestRedis } from '../support/redis.ts';
import { startTestCluster, type TestCluster } from '../support/redis_cluster.ts';
import { basic, json, postForm, registerClient, startTestServer, type Json, type RegisteredClient } from '../support/server.ts';
import { RoutingAgent, startInstances, type Instance } from './instances.ts';

interface Seeded {
  tpp: RegisteredClient;
  web: RegisteredClient;
  customer: TestCustomer;
}

/** Clients and a customer written to the shared Redis by an app in this process, as the admin CLI would. */
async function seed(redis: TestRedis): Promise<Seeded> {
  const store = createRedisStore({ url: redis.url, keyPrefix: redis.prefix });
  const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: redis.prefix });
  try {
    return {
      tpp: await registerClient(seeder, { name: 'Rates Monitor' }),
      web: await registerWebClient(seeder),
      customer: await createCustomer({ config: seeder.config, store }),
    };
  } finally {
    await seeder.close();
    await store.close();
  }
}

function post(instance: Instance, path: string, client: RegisteredClient, form: Record<string, string>): Promise<Response> {
  return postForm(`${instance.url}${path}`, form, { authorization: basic(client.client_id, client.client_secret) });
}

async function introspect(instance: Instance, client: RegisteredClient, token: string): Promise<Json> {
  const res = await post(instance, '/token/introspection', client, { token });
  expect(res.status).to.equal(200);
  return json(res);
}

async function ok(res: Response): Promise<Json> {
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).to.equal(200);
  return body;
}

/** Two Valtuus processes on the Redis named by `url()` (read once the suite's before() has run). */
function describeTwoInstances(title: string, url: () => string): void {
  describe(title, () => {
    let redis: TestRedis;
    let a: Instance;
    let b: Instance;
    let seeded: Seeded;

    before(async function () {
      this.timeout(30_000);
      redis = await openTestRedis(url());
      seeded = await seed(redis);
      [a, b] = (await startInstances(2, { redisUrl: redis.url, redisKeyPrefix: redis.prefix })) as [Instance, Instance];
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.cleanup();
    });

    it('a token issued by A is introspected by B, revoked by B, then inactive on both (RFC 7662, RFC 7009)', async () => {
      const { tpp } = seeded;
      const { access_token: token } = await ok(await post(a, '/token', tpp, { grant_type: 'client_credentials', scope: 'public:read' }));
      expect(await introspect(b, tpp, token)).to.include({ active: true, client_id: tpp.client_id, scope: 'public:read' });

      expect((await post(b, '/token/revocation', tpp, { token })).status).to.equal(200);
      expect(await introspect(a, tpp, token)).to.deep.equal({ active: false });
      expect(await introspect(b, tpp, token)).to.deep.equal({ active: false });
    });

    it('a login started on A completes on B (login, one-time code, consent); A redeems the code, B refreshes', async () => {
      const { web, customer } = seeded;
      const agent = new RoutingAgent(a);
      const flow = await Flow.start(a.url, accountsParams(web), agent);
      expect(flow.page?.url.pathname).to.match(/^\/interaction\//);

      agent.target = b; // the load balancer sends the rest of the login elsewhere
      await flow.login(customer.username, customer.password);
      await flow.otp(customer.nextCode());
      if (!flow.callback) await flow.consent('allow');

      const tokens = await ok(
        await post(a, '/token', web, {
          grant_type: 'authorization_code',
          code: flow.code(),
          redirect_uri: flow.params.redirect_uri,
          code_verifier: flow.pkce.verifier,
        }),
      );
      expect(await introspect(b, web, tokens.access_token)).to.include({ active: true, sub: customer.sub });
      const refreshed = await ok(await post(b, '/token', web, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }));
      expect(refreshed.access_token).to.be.a('string').and.not.equal(tokens.access_token);
    });
  });
}

describe('scale: two Valtuus processes on one Redis continue each other\'s work (README "Redis")', () => {
  describeTwoInstances('on a single Redis (REDIS_URL)', () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

  describe('on a 3-master Redis Cluster (REDIS_URL=redis+cluster://…)', () => {
    let cluster: TestCluster;
    before(async function () {
      this.timeout(15_000);
      cluster = await startTestCluster();
    });
    after(() => cluster?.stop());

    describeTwoInstances('the same checks', () => cluster.url);
  });
});
