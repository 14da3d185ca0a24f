import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { expect } from 'chai';

import { createMemoryStore } from '../../adapters/memory.ts';
import type { Store } from '../../adapters/types.ts';
import { accountsParams, redeemCode, refresh, registerWebClient } from '../support/code_grant.ts';
import { authorize, createCustomer } from '../support/flow.ts';
import {
  basic,
  expectOAuthError,
  json,
  postForm,
  registerClient,
  startTestServer,
  testJwks,
  type Json,
  type RegisteredClient,
  type TestServer,
} from '../support/server.ts';
import { pollUntil } from '../support/redis_process.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const exec = promisify(execFile);

const backends: { name: string; open: () => Promise<Store> }[] = [
  { name: 'memory', open: async () => createMemoryStore() },
  { name: 'Redis', open: openTestRedisStore },
];

for (const backend of backends) {
  describe(`client delete ends the client's tokens (RFC 7662 §2.2 active, RFC 7592 §2.3) on ${backend.name}`, () => {
    let store: Store;
    let srv: TestServer;
    let publicDataApi: RegisteredClient;
    let accountsApi: RegisteredClient;

    before(async () => {
      store = await backend.open();
      srv = await startTestServer(store);
      publicDataApi = await registerClient(srv, { name: 'Public data API', grantTypes: [], extra: { resource_server_api: 'public-data' } });
      accountsApi = await registerClient(srv, { name: 'Accounts API', grantTypes: [], extra: { resource_server_api: 'accounts' } });
    });

    after(async () => {
      await srv?.close();
      await store?.close();
    });

    const introspect = async (api: RegisteredClient, token: string): Promise<Json> => {
      const res = await postForm(`${srv.url}/token/introspection`, { token }, { authorization: basic(api.client_id, api.client_secret) });
      expect(res.status, 'introspection answers, never a 5xx').to.equal(200);
      return json(res);
    };

    const clientCredentialsToken = async (tpp: RegisteredClient): Promise<string> => {
      const res = await postForm(
        `${srv.url}/token`,
        { grant_type: 'client_credentials', scope: 'public:read' },
        { authorization: basic(tpp.client_id, tpp.client_secret) },
      );
      expect(res.status).to.equal(200);
      return (await json(res)).access_token as string;
    };

    it('a client_credentials token of a deleted client introspects as {"active": false}', async () => {
      const tpp = await registerClient(srv, { name: 'Rates Monitor' });
      const token = await clientCredentialsToken(tpp);
      expect((await introspect(publicDataApi, token)).active, 'positive control').to.equal(true);

      await srv.clients.delete(tpp.client_id);

      expect(await introspect(publicDataApi, token)).to.deep.equal({ active: false });
    });

    it("a deleted client's customer tokens: its access and refresh tokens introspect inactive and it cannot refresh", async () => {
      const tpp = await registerWebClient(srv, 'Budget Buddy');
      const flow = await authorize(srv.url, accountsParams(tpp), await createCustomer(srv.deps));
      const issued = await json(await redeemCode(srv, tpp, flow));
      expect((await introspect(accountsApi, issued.access_token)).active, 'positive control').to.equal(true);

      await srv.clients.delete(tpp.client_id);

      expect(await introspect(accountsApi, issued.access_token)).to.deep.equal({ active: false });
      expect(await introspect(accountsApi, issued.refresh_token)).to.deep.equal({ active: false });
      // RFC 6749 §5.2: the deleted client cannot authenticate to refresh
      await expectOAuthError(await refresh(srv, tpp, issued.refresh_token), 401, 'invalid_client');
    });

    if (backend.name === 'Redis') {
      it('`admin -- client delete` run in another process ends the tokens this server issued (README "Admin CLI")', async () => {
        const tpp = await registerClient(srv, { name: 'Rates Monitor' });
        const token = await clientCredentialsToken(tpp);
        expect((await introspect(publicDataApi, token)).active, 'positive control (and the client is now cached)').to.equal(true);

        const env = {
          ...process.env,
          NODE_ENV: 'test',
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: (store as TestRedisStore).prefix,
          JWKS: JSON.stringify(testJwks()),
          COOKIE_KEYS: 'c'.repeat(40),
        };
        const { stdout } = await exec(process.execPath, ['server/admin/cli.ts', 'client', 'delete', tpp.client_id], { env });
        expect(JSON.parse(stdout)).to.deep.equal({ client_id: tpp.client_id, deleted: true });

        // the CLI announces the change on the store's channel; this process drops its cached entry on hearing it
        await pollUntil('the deletion to reach this server', async () => (await introspect(publicDataApi, token)).active === false, 5000);
        expect(await introspect(publicDataApi, token)).to.deep.equal({ active: false });
      });
    }
  });
}
