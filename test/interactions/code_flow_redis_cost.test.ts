import { expect } from 'chai';
import type { Redis } from 'ioredis';

import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { accountsParams, redeemCode, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { commandStats, commandsRanBetween, recordCommands, startCountedRedis, type Sent } from '../support/command_stats.ts';
import type { RedisProcess } from '../support/redis_process.ts';
import { startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';

const PREFIX = 'flowcost:';
/** docs/storage.md "What a sign-in costs": the commands of one whole code flow, the per-address and per-client budgets off. */
const FLOW_COMMANDS = 69;
/** The same flow's round trips: the commands the server sends, a script counting as one (bench/goals.md "The code flow"). */
const FLOW_ROUND_TRIPS = 46;

describe('authorization code flow (RFC 6749 §4.1): what one sign-in costs in Redis', () => {
  let redisProcess: RedisProcess;
  let probe: Redis;
  let store: Store;
  let srv: TestServer;
  let tpp: RegisteredClient;
  let recording: { sent: Sent[] };

  before(async () => {
    let url: string;
    ({ redisProcess, probe, url } = await startCountedRedis());
    store = createRedisStore({ url, keyPrefix: PREFIX });
    recording = recordCommands(store, PREFIX);
    srv = await startTestServer(store, {
      REDIS_KEY_PREFIX: PREFIX,
      RATE_LIMIT_CLIENT_AUTH_FAILURES: '0',
      RATE_LIMIT_ADDRESS_AUTH_FAILURES: '0',
      RATE_LIMIT_ADDRESS_LOGIN_FAILURES: '0',
      RATE_LIMIT_TOKEN_REQUESTS: '0',
      RATE_LIMIT_ADDRESS_INTERACTIONS: '0',
    });
    tpp = await registerWebClient(srv);
  });
  after(async () => {
    await srv?.close();
    await store?.close();
    probe?.disconnect();
    await redisProcess?.stop();
  });

  /** GET /auth, login, one-time code, consent, the redirect with the code, and POST /token with PKCE. */
  async function codeFlow(): Promise<void> {
    const customer = await createCustomer(srv.deps);
    const flow = await authorize(srv.url, accountsParams(tpp, 'openid accounts:read'), customer);
    expect((await redeemCode(srv, tpp, flow)).status).to.equal(200);
  }

  it(`Redis runs no more than ${FLOW_COMMANDS} commands for it, those inside scripts and the login guard's included (INFO commandstats)`, async () => {
    await codeFlow(); // the client cached, every script known to Redis
    const customer = await createCustomer(srv.deps);
    const before = await commandStats(probe);
    const flow = await authorize(srv.url, accountsParams(tpp, 'openid accounts:read'), customer);
    expect((await redeemCode(srv, tpp, flow)).status).to.equal(200);
    const ran = commandsRanBetween(before, await commandStats(probe));
    const total = ran.reduce((sum, [, n]) => sum + n, 0);
    expect(total, ran.map(([name, n]) => `${name} ${n}`).join(', ')).to.be.at.most(FLOW_COMMANDS);
  });

  it(`the server sends Redis no more than ${FLOW_ROUND_TRIPS} commands for it, a script counting as one`, async () => {
    await codeFlow();
    const from = recording.sent.length;
    await codeFlow();
    const sent = recording.sent.slice(from);
    // the customer is created through the store too (user create): its writes are not the flow's
    const flow = sent.slice(sent.findIndex((s) => s.name === 'set' && s.key.startsWith(`${PREFIX}Interaction:`)));
    expect(flow.length, flow.map((s) => `${s.name} ${s.key.slice(PREFIX.length).split(':')[0]}`).join(', ')).to.be.at.most(
      FLOW_ROUND_TRIPS,
    );
  });
});
