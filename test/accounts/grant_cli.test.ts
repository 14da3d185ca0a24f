import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { expect } from 'chai';

import { createRedisStore } from '../../adapters/redis.ts';
import type { Store } from '../../adapters/types.ts';
import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer, type TestCustomer } from '../support/flow.ts';
import { openTestRedis, type TestRedis } from '../support/redis.ts';
import { basic, json, postForm, startTestServer, testJwks, type Json, type RegisteredClient, type TestServer } from '../support/server.ts';

const exec = promisify(execFile);

describe('admin CLI: user list | show, grant list | revoke (DESIGN "Admin CLI")', function () {
  this.timeout(90_000);

  let redis: TestRedis;
  let store: Store;
  let srv: TestServer;
  let web: RegisteredClient;
  let customer: TestCustomer;
  let tokens: Json;

  before(async () => {
    redis = await openTestRedis();
    store = createRedisStore({ url: redis.url, keyPrefix: redis.prefix });
    srv = await startTestServer(store, { REDIS_KEY_PREFIX: redis.prefix });
    web = await registerWebClient(srv);
    customer = await createCustomer(srv.deps);
    const flow = await authorize(srv.url, accountsParams(web), customer);
    tokens = await json(await redeemCode(srv, web, flow));
    expect(tokens.refresh_token).to.be.a('string');
  });

  after(async () => {
    await srv?.close();
    await store?.close();
    await redis?.cleanup();
  });

  async function cli(...args: string[]): Promise<{ out: Json; stderr: string }> {
    const env = {
      ...process.env,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      NODE_ENV: 'test',
      JWKS: JSON.stringify(testJwks()),
      COOKIE_KEYS: 'c'.repeat(40),
    };
    const { stdout, stderr } = await exec(process.execPath, ['server/admin/cli.ts', ...args], { env });
    return { out: JSON.parse(stdout) as Json, stderr };
  }

  it('user list names every customer with the lock state; user show adds the factors and the consents', async () => {
    const listed = (await cli('user', 'list')).out as unknown as Json[];
    expect(listed.find((u) => u.username === customer.username)).to.include({ sub: customer.sub, status: 'active' });
    expect(JSON.stringify(listed)).not.to.match(/passwordHash|totpSecret/);
    const { out } = await cli('user', 'show', customer.username);
    expect(out).to.include({ sub: customer.sub, username: customer.username, status: 'active' });
    expect(out.factors).to.deep.equal(['password', 'totp']);
    expect(out.consents.map((c: Json) => c.client_id)).to.deep.equal([web.client_id]);
    expect(JSON.stringify(out)).not.to.match(/passwordHash|totpSecret/);
  });

  it('grant list shows the app, its scope and its end; grant revoke ends its tokens at once and audits consent.revoked with the username', async () => {
    const listed = (await cli('grant', 'list', '--user', customer.username)).out;
    expect(listed.grants).to.have.length(1);
    expect(listed.grants[0]).to.include({ client_id: web.client_id, client_name: 'Budget Buddy' });
    expect(listed.grants[0].scope).to.include('accounts:read');
    expect(Date.parse(listed.grants[0].until) - Date.now()).to.be.greaterThan(179 * 86_400_000);

    const { out, stderr } = await cli('grant', 'revoke', '--user', customer.username, '--client', web.client_id);
    expect(out).to.include({ username: customer.username, client_id: web.client_id, revoked: true });
    const audit = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Json)
      .find((line) => line.event === 'consent.revoked');
    expect(audit).to.include({ sub: customer.sub, username: customer.username, client_id: web.client_id, by: 'operator' });

    const refreshed = await refresh(srv, web, String(tokens.refresh_token));
    expect(refreshed.status).to.equal(400);
    expect((await json(refreshed)).error).to.equal('invalid_grant');
    const introspected = await postForm(
      `${srv.url}/token/introspection`,
      { token: String(tokens.access_token) },
      { authorization: basic(web.client_id, web.client_secret) },
    );
    expect(await json(introspected)).to.deep.equal({ active: false });
    expect((await cli('grant', 'list', '--user', customer.username)).out.grants).to.deep.equal([]);
  });
});
