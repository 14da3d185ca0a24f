import { expect } from 'chai';

import { assertionClaims, JWT_BEARER, signingKey, signJwt, type SigningKey } from '../support/forged_jwts.ts';
import { basic, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

const BUDGET = 10;

/**
 * The per-client failure budget (RATE_LIMIT_CLIENT_AUTH_FAILURES, per client and address) is
 * spent before the client is authenticated, however it names itself (RFC 6749 §2.3.1 Basic or
 * form body, RFC 7523 §3 assertion `iss`), and concurrent attempts reserve it atomically.
 */
describe('token endpoint: the client authentication failure budget holds before authentication (RFC 6749 §2.3, RFC 7523 §3)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let secretClient: RegisteredClient;
  let postClient: RegisteredClient;
  let keyClient: RegisteredClient;
  let key: SigningKey;
  let stranger: SigningKey;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store, {
      RATE_LIMIT_CLIENT_AUTH_FAILURES: String(BUDGET),
      RATE_LIMIT_ADDRESS_AUTH_FAILURES: '1000', // only the per-client budget is under test
      TRUST_PROXY: '127.0.0.1', // the test plays a proxy's clients with X-Forwarded-For
    });
    [key, stranger] = await Promise.all([signingKey(), signingKey()]);
    secretClient = await registerClient(srv, { name: 'Basic TPP' });
    postClient = await registerClient(srv, { name: 'Post TPP', authMethod: 'client_secret_post' });
    keyClient = await registerClient(srv, { name: 'Keyed TPP', authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk] } });
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const token = (form: Record<string, string>, address: string, headers: Record<string, string> = {}) =>
    postForm(
      `${srv.url}/token`,
      { grant_type: 'client_credentials', scope: 'public:read', ...form },
      { 'x-forwarded-for': address, ...headers },
    );

  it(`of 40 concurrent wrong secrets for one client, exactly ${BUDGET} are checked (401) and the rest refused (429)`, async () => {
    let evaluated = 0;
    const count = (_ctx: unknown, err: { error?: string }) => {
      if (err.error === 'invalid_client') evaluated += 1;
    };
    srv.provider.on('grant.error', count);
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => token({}, '203.0.113.40', { authorization: basic(secretClient.client_id, `wrong-${i}`) })),
    );
    const statuses = responses.map((r) => r.status);
    await Promise.all(responses.map((r) => r.body?.cancel()));
    srv.provider.off('grant.error', count);
    expect(evaluated, 'client authentications evaluated').to.equal(BUDGET);
    expect(statuses.filter((s) => s === 401)).to.have.length(BUDGET);
    expect(statuses.filter((s) => s === 429)).to.have.length(40 - BUDGET);
  });

  it(`an honest burst of 40 concurrent right secrets from one address, more than the budget of ${BUDGET}, is served in full`, async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, () =>
        token({}, '203.0.113.43', { authorization: basic(secretClient.client_id, secretClient.client_secret) }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(statuses.filter((s) => s === 200)).to.have.length(40);
  });

  it('client_secret_post: after the budget of wrong secrets in the form body, the right one from that address is refused with 429', async () => {
    for (let i = 0; i < BUDGET; i += 1) {
      const res = await token({ client_id: postClient.client_id, client_secret: `wrong-${i}` }, '203.0.113.41');
      expect(res.status).to.equal(401);
    }
    const right = await token({ client_id: postClient.client_id, client_secret: postClient.client_secret }, '203.0.113.41');
    expect(right.status).to.equal(429);
    expect(((await right.json()) as { error: string }).error).to.equal('temporarily_unavailable');
    const elsewhere = await token({ client_id: postClient.client_id, client_secret: postClient.client_secret }, '198.51.100.41');
    expect(elsewhere.status).to.equal(200);
  });

  it('private_key_jwt: after the budget of assertions with a wrong key, a right assertion from that address is refused with 429', async () => {
    const aud = srv.config.issuer;
    const assertion = (signer: SigningKey) => signJwt(assertionClaims(keyClient.client_id, aud), signer);
    for (let i = 0; i < BUDGET; i += 1) {
      const res = await token({ client_assertion_type: JWT_BEARER, client_assertion: await assertion(stranger) }, '203.0.113.42');
      expect(res.status).to.equal(401);
    }
    const right = await token({ client_assertion_type: JWT_BEARER, client_assertion: await assertion(key) }, '203.0.113.42');
    expect(right.status).to.equal(429);
    const elsewhere = await token({ client_assertion_type: JWT_BEARER, client_assertion: await assertion(key) }, '198.51.100.42');
    expect(elsewhere.status).to.equal(200);
  });
});
