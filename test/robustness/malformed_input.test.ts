import { randomUUID } from 'node:crypto';

import { expect } from 'chai';

import { accountsParams, redeemCode, registerWebClient, REDIRECT_URI } from '../support/code_grant.ts';
import { authorize, createCustomer, Flow, pkce } from '../support/flow.ts';
import { CIBA_GRANT } from '../../server/policy/levels.ts';
import { basic, json, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { JWT_BEARER, assertionClaims, signJwt, signingKey } from '../support/forged_jwts.ts';
import { problemsWith } from './checks.ts';
import { asRequest, casesFor, type Pair, type Target } from './mutations.ts';
import { pool, sendRaw } from './raw_http.ts';
import { initialAccessTokens } from '../registration/support.ts';

const CONCURRENCY = 20;

interface Setup {
  srv: TestServer;
  port: number;
  cc: RegisteredClient;
  web: RegisteredClient;
  targets: Map<string, Target>;
}

const enc = encodeURIComponent;
const pairs = (record: Record<string, string>): Pair[] => Object.entries(record).map(([k, v]) => [k, enc(v)]);
const basicHeader = (c: RegisteredClient): [string, string] => ['Authorization', basic(c.client_id, c.client_secret)];

/** Clients, tokens and sign-ins at each step, so that each target's well-formed request gets far into the server. */
async function buildTargets(srv: TestServer): Promise<{ cc: RegisteredClient; web: RegisteredClient; targets: Target[] }> {
  const cc = await registerClient(srv, { name: 'Fuzz CC' });
  const web = await registerWebClient(srv, 'Fuzz Web');
  const key = await signingKey('ES256');
  const keyed = await registerClient(srv, {
    name: 'Fuzz Keyed',
    grantTypes: ['client_credentials'],
    scope: 'public:read',
    authMethod: 'private_key_jwt',
    jwks: { keys: [key.publicJwk] },
  });
  const legacy = await registerClient(srv, {
    name: 'Fuzz Legacy',
    grantTypes: ['password'],
    scope: 'accounts:read',
    allowLegacyGrants: true,
  });
  const kiosk = await registerClient(srv, { name: 'Fuzz Kiosk', grantTypes: [CIBA_GRANT], scope: 'openid accounts:read' });
  const cibaCustomer = await createCustomer(srv.deps);
  const tokenUrl = `${srv.url}/token`;
  const { access_token: ccToken } = await json(
    await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic(cc.client_id, cc.client_secret) }),
  );
  const customerTokens = async () =>
    json(await redeemCode(srv, web, await authorize(srv.url, accountsParams(web, 'openid'), await createCustomer(srv.deps))));
  // separate grants: refreshing one (and its reuse detection) must not revoke the other
  const forRefresh = await customerTokens();
  const forUserinfo = await customerTokens();
  const dpopKey = await signingKey('ES256');
  const dpopProof = await signJwt({ htm: 'POST', htu: tokenUrl, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) }, dpopKey, {
    typ: 'dpop+jwt',
    jwk: dpopKey.publicJwk,
  });

  // one sign-in at each step; the customer's password is never sent, so none of them moves on
  const atLogin = await Flow.start(srv.url, accountsParams(web));
  // resuming an authorization ends its interaction: a sign-in of its own
  const toResume = await Flow.start(srv.url, accountsParams(web));
  const otpCustomer = await createCustomer(srv.deps);
  const atOtp = await Flow.start(srv.url, accountsParams(web));
  await atOtp.login(otpCustomer.username, otpCustomer.password);
  const consentCustomer = await createCustomer(srv.deps);
  const atConsent = await Flow.start(srv.url, accountsParams(web));
  await atConsent.login(consentCustomer.username, consentCustomer.password);
  await atConsent.otp(consentCustomer.nextCode());
  const cookieFor = (flow: Flow, path: string): [string, string] => ['Cookie', flow.agent.jar.header(new URL(path, srv.url))];
  const uidOf = (flow: Flow) => flow.page!.url.pathname.split('/')[2]!;
  const form = (flow: Flow, step: string, fields: Record<string, string>, baseline: number): Target => {
    const path = `/interaction/${uidOf(flow)}/${step}`;
    return {
      name: `${step} form`,
      method: 'POST',
      path,
      params: pairs({ csrf: flow.field('csrf'), ...fields }),
      headers: [cookieFor(flow, path)],
      oauthJson: false,
      baseline,
    };
  };
  const page = `/interaction/${uidOf(atLogin)}`;

  const get = (name: string, path: string, baseline: number): Target => ({
    name,
    method: 'GET',
    path,
    params: [['probe', '1']],
    headers: [],
    oauthJson: false,
    baseline,
  });
  const targets: Target[] = [
    get('discovery (OpenID)', '/.well-known/openid-configuration', 200),
    get('discovery (RFC 8414)', '/.well-known/oauth-authorization-server', 200),
    get('jwks', '/jwks', 200),
    get('healthz', '/healthz', 200),
    get('readyz', '/readyz', 200),
    get('stylesheet', '/assets/valtuus.css', 200),
    {
      name: 'authorization endpoint',
      method: 'GET',
      path: '/auth',
      params: pairs({
        client_id: web.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid accounts:read',
        state: 'st',
        nonce: 'n',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        prompt: 'login',
        max_age: '300',
        claims: '{"id_token":{"acr":{"essential":true}}}',
        resource: 'https://api.valtuus.example/accounts',
        ui_locales: 'fi en',
        login_hint: 'someone',
        acr_values: 'urn:valtuus:acr:sca',
      }),
      headers: [],
      jwtParams: ['request', 'id_token_hint'],
      oauthJson: false,
      baseline: 303,
    },
    {
      name: 'token endpoint (client_credentials)',
      method: 'POST',
      path: '/token',
      params: pairs({ grant_type: 'client_credentials', scope: 'public:read', resource: 'https://api.valtuus.example/public-data' }),
      headers: [basicHeader(cc)],
      jwtHeaders: ['Authorization'],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'token endpoint (authorization_code)',
      method: 'POST',
      path: '/token',
      params: pairs({ grant_type: 'authorization_code', code: 'c'.repeat(43), redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }),
      headers: [basicHeader(web)],
      oauthJson: true,
      baseline: 400,
    },
    {
      name: 'token endpoint (refresh_token)',
      method: 'POST',
      path: '/token',
      params: pairs({ grant_type: 'refresh_token', refresh_token: forRefresh.refresh_token, scope: 'openid' }),
      headers: [basicHeader(web)],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'token endpoint (private_key_jwt)',
      method: 'POST',
      path: '/token',
      params: pairs({
        grant_type: 'client_credentials',
        scope: 'public:read',
        client_id: keyed.client_id,
        client_assertion_type: JWT_BEARER,
        client_assertion: await signJwt(assertionClaims(keyed.client_id, tokenUrl), key),
      }),
      headers: [],
      jwtParams: ['client_assertion'],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'token endpoint (password, legacy client)',
      method: 'POST',
      path: '/token',
      params: pairs({
        grant_type: 'password',
        username: (await createCustomer(srv.deps)).username,
        password: 'not-the-password',
        otp: '000000',
        scope: 'accounts:read',
      }),
      headers: [basicHeader(legacy)],
      oauthJson: true,
      baseline: 400,
    },
    {
      name: 'token endpoint (DPoP)',
      method: 'POST',
      path: '/token',
      params: pairs({ grant_type: 'client_credentials', scope: 'public:read' }),
      headers: [basicHeader(cc), ['DPoP', dpopProof]],
      jwtHeaders: ['DPoP'],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'pushed authorization request endpoint',
      method: 'POST',
      path: '/request',
      params: pairs({
        client_id: web.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid accounts:read',
        state: 'st',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      }),
      headers: [basicHeader(web)],
      jwtParams: ['request'],
      oauthJson: true,
      baseline: 201,
    },
    {
      // RFC 7591 takes JSON only: a form body is refused at once (test/registration covers malformed JSON)
      name: 'registration endpoint',
      method: 'POST',
      path: '/reg',
      params: pairs({ client_name: 'Fuzz DCR', grant_types: 'client_credentials', scope: 'public:read' }),
      headers: [['Authorization', `Bearer ${(await initialAccessTokens(srv).create({})).initial_access_token}`]],
      jwtHeaders: ['Authorization'],
      oauthJson: true,
      baseline: 400,
    },
    {
      name: 'introspection endpoint',
      method: 'POST',
      path: '/token/introspection',
      params: pairs({ token: ccToken, token_type_hint: 'access_token' }),
      headers: [basicHeader(cc)],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'revocation endpoint',
      method: 'POST',
      path: '/token/revocation',
      params: pairs({ token: 'not-a-token-of-anyone', token_type_hint: 'refresh_token' }),
      headers: [basicHeader(cc)],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'userinfo endpoint (GET)',
      method: 'GET',
      path: '/me',
      params: [['probe', '1']],
      headers: [['Authorization', `Bearer ${forUserinfo.access_token}`]],
      jwtHeaders: ['Authorization'],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'userinfo endpoint (POST)',
      method: 'POST',
      path: '/me',
      params: pairs({ access_token: forUserinfo.access_token }),
      headers: [],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'interaction page',
      method: 'GET',
      path: page,
      params: [['probe', '1']],
      headers: [cookieFor(atLogin, page)],
      oauthJson: false,
      baseline: 200,
    },
    {
      name: 'cancel link',
      method: 'GET',
      path: `${page}/cancel`,
      params: pairs({ csrf: 'not-the-token' }),
      headers: [cookieFor(atLogin, `${page}/cancel`)],
      oauthJson: false,
      baseline: 403,
    },
    {
      name: 'authorization resume',
      method: 'GET',
      path: `/auth/${uidOf(toResume)}`,
      params: [['probe', '1']],
      headers: [cookieFor(toResume, `/auth/${uidOf(toResume)}`)],
      oauthJson: false,
      baseline: 303,
    },
    {
      name: 'backchannel authentication endpoint',
      method: 'POST',
      path: '/backchannel',
      params: pairs({ scope: 'openid accounts:read', login_hint: cibaCustomer.username, binding_message: 'FUZZ-1' }),
      headers: [basicHeader(kiosk)],
      oauthJson: true,
      baseline: 200,
    },
    {
      name: 'token endpoint (CIBA)',
      method: 'POST',
      path: '/token',
      params: pairs({ grant_type: CIBA_GRANT, auth_req_id: 'a'.repeat(43) }),
      headers: [basicHeader(kiosk)],
      oauthJson: true,
      baseline: 400,
    },
    { name: 'approval page', method: 'GET', path: '/approve', params: [['probe', '1']], headers: [], oauthJson: false, baseline: 200 },
    {
      name: 'approval login form',
      method: 'POST',
      path: '/approve/login',
      params: pairs({ csrf: 'not-the-token', username: cibaCustomer.username, password: 'not-the-password' }),
      headers: [],
      oauthJson: false,
      baseline: 403,
    },
    form(atLogin, 'login', { username: otpCustomer.username, password: 'not-the-password' }, 303),
    form(atOtp, 'otp', { otp: '000000' }, 303),
    form(atConsent, 'consent', { decision: 'neither' }, 400),
  ];
  return { cc, web, targets };
}

// endpoints named in discovery, each of which must be a target above
const DISCOVERY_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'introspection_endpoint',
  'revocation_endpoint',
  'pushed_authorization_request_endpoint',
  'backchannel_authentication_endpoint',
  'registration_endpoint',
];

const TARGET_NAMES = [
  'discovery (OpenID)',
  'discovery (RFC 8414)',
  'jwks',
  'healthz',
  'readyz',
  'stylesheet',
  'authorization endpoint',
  'token endpoint (client_credentials)',
  'token endpoint (authorization_code)',
  'token endpoint (refresh_token)',
  'token endpoint (private_key_jwt)',
  'token endpoint (password, legacy client)',
  'token endpoint (DPoP)',
  'pushed authorization request endpoint',
  'registration endpoint',
  'introspection endpoint',
  'revocation endpoint',
  'userinfo endpoint (GET)',
  'userinfo endpoint (POST)',
  'interaction page',
  'cancel link',
  'authorization resume',
  'login form',
  'otp form',
  'consent form',
  'backchannel authentication endpoint',
  'token endpoint (CIBA)',
  'approval page',
  'approval login form',
];

describe('robustness: malformed input to every endpoint and form gets a 4xx, never a 5xx or a stack (RFC 6749 §5.2)', () => {
  let store: TestRedisStore;
  const setup = {} as Setup;
  let sent = 0;

  before(async () => {
    store = await openTestRedisStore();
    // the abuse limits are tested in test/operations; here they must not turn every answer into a 429
    setup.srv = await startTestServer(store, {
      RATE_LIMIT_ADDRESS_AUTH_FAILURES: '1000000',
      RATE_LIMIT_CLIENT_AUTH_FAILURES: '1000000',
      RATE_LIMIT_ADDRESS_LOGIN_FAILURES: '1000000',
    });
    setup.port = Number(new URL(setup.srv.url).port);
    const built = await buildTargets(setup.srv);
    setup.cc = built.cc;
    setup.web = built.web;
    setup.targets = new Map(built.targets.map((t) => [t.name, t]));
  });

  after(async () => {
    await setup.srv?.close();
    await store?.close();
  });

  it('positive control: the well-formed request of each target gets its usual answer', async () => {
    const answers = await pool(
      [...setup.targets.values()],
      CONCURRENCY,
      async (t) => [t, await sendRaw(setup.port, asRequest(t, t.params))] as const,
    );
    const wrong = answers
      .filter(([t, res]) => res.status !== t.baseline)
      .map(([t, res]) => `${t.name}: ${res.status} (expected ${t.baseline}) ${res.body.toString().slice(0, 200)}`);
    expect(wrong).to.deep.equal([]);
  });

  it('covers every endpoint discovery names, plus /healthz, /readyz and each sign-in form', async () => {
    const meta = await json(await fetch(`${setup.srv.url}/.well-known/openid-configuration`));
    const endpoints = Object.entries(meta).filter(([k, v]) => (k.endsWith('_endpoint') || k === 'jwks_uri') && typeof v === 'string');
    expect(endpoints.map(([k]) => k)).to.have.members(DISCOVERY_FIELDS);
    const covered = new Set([...setup.targets.values()].map((t) => t.path));
    for (const [field, url] of endpoints) expect(covered.has(new URL(url as string).pathname), field).to.equal(true);
    expect([...setup.targets.keys()]).to.have.members(TARGET_NAMES);
  });

  for (const name of TARGET_NAMES) {
    it(`${name}: no 5xx, no stack trace, RFC 6749 §5.2 errors where OAuth applies`, async () => {
      const target = setup.targets.get(name)!;
      const cases = casesFor(target);
      const responses = await pool(cases, CONCURRENCY, (c) => sendRaw(setup.port, c.request));
      sent += cases.length;
      const failures = cases.flatMap((c, i) => problemsWith(c, responses[i]!, target.oauthJson).map((p) => `${c.label}: ${p}`));
      expect(failures, `${failures.length} of ${cases.length} requests:\n  ${failures.slice(0, 25).join('\n  ')}`).to.deep.equal([]);
    });
  }

  it('still serves a normal client credentials token, /healthz and /readyz afterwards', async () => {
    expect(sent, 'requests sent').to.be.greaterThan(3000);
    const res = await postForm(
      `${setup.srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read' },
      { authorization: basic(setup.cc.client_id, setup.cc.client_secret) },
    );
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(body).to.include({ token_type: 'Bearer', scope: 'public:read', status: 'approved' });
    expect((await fetch(`${setup.srv.url}/healthz`)).status).to.equal(200);
    expect((await fetch(`${setup.srv.url}/readyz`)).status).to.equal(200);
  });
});
