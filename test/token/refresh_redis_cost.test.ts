import { expect } from 'chai';
import { Redis } from 'ioredis';

import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import { commandStats, commandsRanBetween, recordCommands, startCountedRedis, type Sent } from '../support/command_stats.ts';
import type { RedisProcess } from '../support/redis_process.ts';
import { json, startTestServer, type Json, type RegisteredClient, type TestServer } from '../support/server.ts';

const PREFIX = 'cost:';
/** Round trips to Redis for one rotating refresh, beside the client-auth throttle's counters (docs/storage.md "What a refresh costs"). */
const REFRESH_ROUND_TRIPS = 6;

/** Resolves once no process holds a lease of a failure budget (server/ops/leased_budget.ts) in this Redis. */
async function leasesGivenBack(redis: Redis): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await redis.keys(`${PREFIX}limit:*:leases`)).length > 0) {
    if (Date.now() > deadline) throw new Error('leases still held after 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('POST /token grant_type=refresh_token (RFC 6749 §6): what one refresh costs in Redis', () => {
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
    srv = await startTestServer(store, { REDIS_KEY_PREFIX: PREFIX });
    tpp = await registerWebClient(srv);
  });
  after(async () => {
    await srv?.close();
    await store?.close();
    probe?.disconnect();
    await redisProcess?.stop();
  });

  /** A chain one refresh in: the client is cached and every script is known to Redis. */
  async function warmChain(): Promise<Json> {
    const flow = await authorize(srv.url, accountsParams(tpp, 'openid accounts:read'), await createCustomer(srv.deps));
    const issued = await json(await redeemCode(srv, tpp, flow));
    return json(await refresh(srv, tpp, issued.refresh_token));
  }

  /** The round trips of one request, but the rate limiters' (`limit:` keys), which are counted apart. */
  async function roundTrips(request: () => Promise<Response>): Promise<{ res: Response; sent: Sent[] }> {
    const from = recording.sent.length;
    const res = await request();
    return { res, sent: recording.sent.slice(from).filter((s) => !s.key.startsWith(`${PREFIX}limit:`)) };
  }

  it(`a rotating refresh takes at most ${REFRESH_ROUND_TRIPS} round trips: its token read and marked in one script, the new tokens saved with the commit in one`, async () => {
    const warm = await warmChain();
    const { res, sent } = await roundTrips(() => refresh(srv, tpp, warm.refresh_token));
    expect(res.status).to.equal(200);
    const described = sent.map((s) => `${s.name} ${s.key.slice(PREFIX.length).split(':')[0]}`).join(', ');
    expect(sent.length, described).to.be.at.most(REFRESH_ROUND_TRIPS);
    // each object once: the refresh token (in its begin), its grant and its account
    const reads = sent.filter((s) => s.name === 'get').map((s) => s.key);
    expect(new Set(reads).size, described).to.equal(reads.length);
  });

  it('Redis runs no more than 18 commands for it, those inside scripts included (INFO commandstats, the rate limiters off)', async () => {
    const quiet = await startTestServer(store, {
      REDIS_KEY_PREFIX: PREFIX,
      RATE_LIMIT_CLIENT_AUTH_FAILURES: '0',
      RATE_LIMIT_ADDRESS_AUTH_FAILURES: '0',
      RATE_LIMIT_TOKEN_REQUESTS: '0',
    });
    try {
      const client = await registerWebClient(quiet, 'Quiet TPP');
      const flow = await authorize(quiet.url, accountsParams(client, 'openid accounts:read'), await createCustomer(quiet.deps));
      const issued = await json(await redeemCode(quiet, client, flow));
      const warm = await json(await refresh(quiet, client, issued.refresh_token));
      // the other server gives back its client-authentication leases once idle: not part of this refresh
      await leasesGivenBack(probe);
      const before = await commandStats(probe);
      expect((await refresh(quiet, client, warm.refresh_token)).status).to.equal(200);
      const after = await commandStats(probe);
      const ran = commandsRanBetween(before, after);
      const total = ran.reduce((sum, [, n]) => sum + n, 0);
      expect(total, ran.map(([name, n]) => `${name} ${n}`).join(', ')).to.be.at.most(18);
    } finally {
      await quiet.close();
    }
  });
});
