import { createHash } from 'node:crypto';

import { expect } from 'chai';

import { createRedisStore } from '../../adapters/redis.ts';
import { COMMIT_REDEMPTION_LUA } from '../../adapters/redis_scripts.ts';
import type { Store } from '../../adapters/types.ts';
import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer, type Flow } from '../support/flow.ts';
import { freePort, startRedisProcess, type RedisProcess } from '../support/redis_process.ts';
import { expectOAuthError, json, type Json, type RegisteredClient, type TestServer, startTestServer } from '../support/server.ts';
import { startStallProxy, type StallProxy } from '../support/stall_proxy.ts';

const COMMAND_TIMEOUT_MS = 400;
const STALL_MS = 1000; // longer than a command may take, as a fork or a slow disk stalls Redis
const sha1 = (lua: string) => createHash('sha1').update(lua).digest('hex');

/** Where the stall begins: right after the command that contains this went to Redis (on one Redis, the new tokens are saved with the commit). */
const STAGES = {
  'the consume': ':redeeming:{',
  'the commit, which saves the new tokens': sha1(COMMIT_REDEMPTION_LUA),
};

describe('token endpoint on a stalling Redis: a 503 means nothing happened (RFC 6749 §5.2, README "Guarantees under faults")', function () {
  this.timeout(30_000);
  let redis: RedisProcess;
  let proxy: StallProxy;
  let store: Store;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    const port = await freePort();
    redis = await startRedisProcess(
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      port,
      /Ready to accept/,
    );
    proxy = await startStallProxy(port);
    store = createRedisStore({
      url: proxy.url,
      keyPrefix: 'stall:',
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      connectTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    // without the refresh retry window: the retry succeeds because the 503'd attempt left nothing behind
    srv = await startTestServer(store, { REDIS_KEY_PREFIX: 'stall:', REFRESH_REUSE_GRACE_SECONDS: '0' });
    tpp = await registerWebClient(srv);
    // one whole chain first, so that every script is known to Redis (EVALSHA, whose digest the stages name)
    const warm = await json(await redeemCode(srv, tpp, await newFlow()));
    expect((await refresh(srv, tpp, warm.refresh_token)).status).to.equal(200);
  });

  after(async () => {
    await srv?.close();
    await proxy?.close();
    await redis?.stop();
  });

  const newFlow = async (): Promise<Flow> => authorize(srv.url, accountsParams(tpp), await createCustomer(srv.deps));

  /** The client's side: the first answer is a 503; retried at once after each 503, the request succeeds. */
  async function stalledThenRetried(stage: string, send: () => Promise<Response>): Promise<Json> {
    const stalled = proxy.stallAfter(stage, STALL_MS);
    const first = await send();
    await stalled;
    await expectOAuthError(first, 503, 'temporarily_unavailable');
    for (let retries = 1; ; retries += 1) {
      const res = await send();
      if (res.status === 200) return json(res);
      expect(retries, 'retries answered 503').to.be.below(5);
      await expectOAuthError(res, 503, 'temporarily_unavailable');
    }
  }

  for (const [name, stage] of Object.entries(STAGES)) {
    it(`a code redemption stalled at ${name} answers 503; the same request retried succeeds and the grant lives on`, async () => {
      const flow = await newFlow();
      const issued = await stalledThenRetried(stage, () => redeemCode(srv, tpp, flow));
      expect(issued.refresh_count).to.equal(0);
      const next = await refresh(srv, tpp, issued.refresh_token);
      expect(next.status, await next.clone().text()).to.equal(200);
      expect((await json(next)).refresh_count).to.equal(1);
    });

    it(`a refresh stalled at ${name} answers 503; the same request retried succeeds and the chain lives on`, async () => {
      const issued = await json(await redeemCode(srv, tpp, await newFlow()));
      const refreshed = await stalledThenRetried(stage, () => refresh(srv, tpp, issued.refresh_token));
      expect(refreshed.refresh_count).to.equal(1);
      const next = await refresh(srv, tpp, refreshed.refresh_token);
      expect(next.status, await next.clone().text()).to.equal(200);
      expect((await json(next)).refresh_count).to.equal(2);
    });
  }
});
