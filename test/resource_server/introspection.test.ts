import type { IncomingMessage } from 'node:http';

import { expect } from 'chai';
import Koa from 'koa';

import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { basic, json, postForm, type TestServer } from '../support/server.ts';
import { requireToken } from '../../resource_server/index.ts';
import { cacheTtlMs } from '../../resource_server/introspection.ts';
import { startResourceServers, type ResourceServers } from './harness.ts';
import {
  RESOURCE,
  clientCredentialsToken,
  deadUrl,
  expectRefusal,
  listen,
  registerTpp,
  startAuthorizationServer,
  type Credentials,
  type Listening,
} from './support.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function expectUnavailable(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, text).to.equal(503);
  expect(res.headers.get('retry-after')).to.match(/^\d+$/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).to.deep.equal(['error', 'error_description']);
  expect(body.error).to.equal('temporarily_unavailable');
  expect(text).not.to.match(/\bat .*\.(ts|js):\d+/);
}

describe('resource server middleware: opaque tokens and RFC 7662 introspection', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: Credentials;
  const started: Listening[] = [];

  before(async () => {
    store = await openTestRedisStore();
    srv = await startAuthorizationServer(store, 'opaque');
    tpp = await registerTpp(srv);
  });

  after(async () => {
    for (const s of started) await s.close();
    await srv?.close();
    await store?.close();
  });

  async function resourceServers(options: Parameters<typeof startResourceServers>[1] = {}): Promise<ResourceServers> {
    const rs = await startResourceServers(srv, options);
    started.push(rs);
    return rs;
  }

  const revoke = (token: string) =>
    postForm(`${srv.url}/token/revocation`, { token }, { authorization: basic(tpp.clientId, tpp.clientSecret) });

  it('refuses a revoked token at once when the cache is off (cacheSeconds 0)', async () => {
    const rs = await resourceServers({ introspection: { cacheSeconds: 0 } });
    const token = await clientCredentialsToken(srv, tpp);
    expect((await fetch(`${rs.url}/data`, bearer(token))).status).to.equal(200);
    expect((await revoke(token)).status).to.equal(200);
    const challenge = await expectRefusal(await fetch(`${rs.url}/data`, bearer(token)), 401, 'Bearer', 'invalid_token');
    expect(challenge.error_description).to.contain('not active');
  });

  it('reuses an answer within the cache window: a revoked token passes until the window ends', async () => {
    const rs = await resourceServers({ introspection: { cacheSeconds: 60 } });
    const token = await clientCredentialsToken(srv, tpp);
    expect((await fetch(`${rs.url}/data`, bearer(token))).status).to.equal(200);
    await revoke(token);
    expect((await fetch(`${rs.url}/data`, bearer(token))).status).to.equal(200);
  });

  it('answers 503 temporarily_unavailable without a stack trace when the authorization server is unreachable', async () => {
    const rs = await resourceServers({ introspection: { endpoint: `${await deadUrl()}/token/introspection` } });
    await expectUnavailable(await fetch(`${rs.url}/data`, bearer(await clientCredentialsToken(srv, tpp))));
  });

  it('answers 503 when the authorization server refuses the API its introspection credentials', async () => {
    const rs = await resourceServers({ introspection: { clientSecret: 'not-the-secret' } });
    await expectUnavailable(await fetch(`${rs.url}/data`, bearer(await clientCredentialsToken(srv, tpp))));
  });

  it('does not let an API client introspect tokens of another API (the AS policy): 401', async () => {
    const rs = await resourceServers();
    const accountsOnly = await resourceServers({ introspection: { ...rs.credentials.accounts } });
    const token = await clientCredentialsToken(srv, tpp);
    await expectRefusal(await fetch(`${accountsOnly.url}/data`, bearer(token)), 401, 'Bearer', 'invalid_token');
  });
});

interface Scripted extends Listening {
  calls: { authorization: string | undefined; body: string }[];
  answer: (token: string) => { status?: number; body: unknown } | 'hang';
}

/** An introspection endpoint whose answers the test writes. */
async function scriptedIntrospection(): Promise<Scripted> {
  const read = async (req: IncomingMessage) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    return body;
  };
  const app = new Koa();
  const scripted = { calls: [], answer: () => ({ body: { active: false } }) } as unknown as Scripted;
  app.use(async (ctx) => {
    const body = await read(ctx.req);
    scripted.calls.push({ authorization: ctx.get('authorization') || undefined, body });
    const answer = scripted.answer(new URLSearchParams(body).get('token') ?? '');
    if (answer === 'hang') return new Promise<void>(() => {});
    ctx.status = answer.status ?? 200;
    ctx.body = answer.body;
    return undefined;
  });
  Object.assign(scripted, await listen(app));
  return scripted;
}

describe('resource server middleware: what it does with introspection answers', () => {
  let as: Scripted;
  let api: Listening;
  const now = () => Math.floor(Date.now() / 1000);
  const active = (extra: Record<string, unknown> = {}) => ({
    active: true,
    token_type: 'Bearer',
    client_id: 'tpp',
    scope: 'public:read',
    aud: RESOURCE.publicData,
    iss: 'https://as.example',
    exp: now() + 600,
    ...extra,
  });

  before(async () => {
    as = await scriptedIntrospection();
    const app = new Koa();
    app.use(
      requireToken({
        issuer: 'https://as.example',
        audience: RESOURCE.publicData,
        scopes: ['public:read'],
        introspection: { clientId: 'rates api', clientSecret: 's3cr+t:/', endpoint: as.url, cacheSeconds: 30, timeoutMs: 300 },
      }),
    );
    app.use((ctx) => {
      ctx.body = ctx.state.token;
    });
    api = await listen(app);
  });

  after(async () => {
    await api?.close();
    await as?.close();
  });

  beforeEach(() => {
    as.calls.length = 0;
  });

  const call = (token: string) => fetch(api.url, bearer(token.replace(/[^\w-]+/g, '-')));

  it('authenticates with client_secret_basic, form-encoding id and secret (RFC 6749 §2.3.1), and hints access_token', async () => {
    as.answer = () => ({ body: active() });
    expect((await call('tok-basic')).status).to.equal(200);
    expect(as.calls[0]!.authorization).to.equal(`Basic ${Buffer.from('rates+api:s3cr%2Bt%3A%2F').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(as.calls[0]!.body))).to.deep.equal({
      token: 'tok-basic',
      token_type_hint: 'access_token',
    });
  });

  it('asks once per token within the cache window, for active and inactive answers alike', async () => {
    as.answer = (token) => ({ body: token === 'tok-good' ? active() : { active: false } });
    for (const token of ['tok-good', 'tok-good', 'tok-gone', 'tok-gone']) await call(token);
    expect(as.calls.map((c) => new URLSearchParams(c.body).get('token'))).to.deep.equal(['tok-good', 'tok-gone']);
  });

  it('asks once for a burst of concurrent requests with one token', async () => {
    as.answer = () => ({ body: active() });
    const statuses = await Promise.all(Array.from({ length: 5 }, () => call('tok-burst').then((r) => r.status)));
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200]);
    expect(as.calls).to.have.length(1);
  });

  it('never keeps an answer past the token expiry', () => {
    const exp = now() + 2;
    expect(cacheTtlMs({ ...active(), exp }, 30)).to.be.within(1, 2000);
    expect(cacheTtlMs({ ...active(), exp: now() - 1 }, 30)).to.be.at.most(0);
    expect(cacheTtlMs({ active: false }, 30)).to.equal(30_000);
    expect(cacheTtlMs({ ...active(), exp }, 0)).to.equal(0);
  });

  it('puts the claims, extra attributes included, in ctx.state.token', async () => {
    as.answer = () => ({ body: active({ sub: 'cust-9', cnf: undefined, purpose_code: 'SALA' }) });
    const token = await json(await call('tok-claims'));
    expect(token).to.include({ format: 'opaque', sub: 'cust-9', client_id: 'tpp' });
    expect(token.claims).to.include({ purpose_code: 'SALA' });
    expect(token.claims).not.to.have.property('active');
  });

  for (const [name, body, description] of [
    ['a refresh token (no token_type)', active({ token_type: undefined }), 'not an access token'],
    ['a token of another issuer', active({ iss: 'https://evil.example' }), 'another authorization server'],
    ['an expired token the AS still calls active', active({ exp: now() - 10 }), 'expired'],
    ['a token of another audience', active({ aud: RESOURCE.accounts }), 'not meant for this API'],
    ['a token without a client', active({ client_id: undefined }), 'names no client'],
  ] as const) {
    it(`refuses ${name} with 401 invalid_token`, async () => {
      as.answer = () => ({ body });
      const challenge = await expectRefusal(await call(`tok-${name}`), 401, 'Bearer', 'invalid_token');
      expect(challenge.error_description).to.contain(description);
    });
  }

  it('accepts an audience list that contains this API (RFC 7662 §2.2)', async () => {
    as.answer = () => ({ body: active({ aud: [RESOURCE.accounts, RESOURCE.publicData] }) });
    expect((await call('tok-aud-list')).status).to.equal(200);
  });

  for (const [name, answer] of [
    ['an HTTP 500', { status: 500, body: { error: 'server_error' } }],
    ['a body that is not RFC 7662', { body: { ok: true } }],
    ['no answer in time', 'hang'],
  ] as const) {
    it(`answers 503 to ${name} from the authorization server, and caches nothing`, async () => {
      as.answer = () => answer;
      await expectUnavailable(await call(`tok-${name}`));
      await expectUnavailable(await call(`tok-${name}`));
      expect(as.calls).to.have.length(2);
    });
  }
});
