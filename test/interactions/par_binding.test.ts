import { expect } from 'chai';

import { accountsParams, registerWebClient, startFlowServer } from '../support/code_grant.ts';
import { Agent, pkce } from '../support/flow.ts';
import { basic, json, postForm, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

describe('pushed authorization requests: a request_uri starts a sign-in in one browser only (RFC 9126 §4)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startFlowServer(store);
    tpp = await registerWebClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  async function pushed(): Promise<URL> {
    const res = await postForm(
      `${srv.url}/request`,
      { ...accountsParams(tpp), response_type: 'code', code_challenge: pkce().challenge, code_challenge_method: 'S256' },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );
    expect(res.status).to.equal(201);
    const { request_uri } = await json(res);
    return new URL(`/auth?${new URLSearchParams({ client_id: tpp.client_id, request_uri })}`, srv.url);
  }

  it('the first browser signs in (and may reload); a second browser is refused with an error page naming invalid_request_uri', async () => {
    const url = await pushed();
    const first = new Agent();
    const started = await first.request(url);
    expect(started.status).to.equal(303);
    expect(started.headers.get('location')).to.match(/\/interaction\//);

    const second = await new Agent().request(url);
    expect(second.status).to.equal(400);
    expect(second.headers.get('content-type')).to.match(/^text\/html/);
    expect(await second.text()).to.contain('invalid_request_uri');

    const reloaded = await first.request(url);
    expect(reloaded.status).to.equal(303);
  });

  it('of ten browsers presenting one request_uri at once, exactly one starts a sign-in', async () => {
    const url = await pushed();
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await new Agent().request(url)).status));
    expect(statuses.filter((s) => s === 303)).to.have.length(1);
    expect(statuses.filter((s) => s === 400)).to.have.length(9);
  });
});
