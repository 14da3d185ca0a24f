import { expect } from 'chai';

import { skipStructuredTokenCheckForOpaqueTokens } from '../../server/provider/opaque_tokens.ts';
import { basic, json, postForm, registerClient, startTestServer, type RegisteredClient, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';

describe('introspection and revocation: opaque tokens skip the JWT header check (provider/opaque_tokens.ts)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let tpp: RegisteredClient;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startTestServer(store);
    tpp = await registerClient(srv);
  });

  after(async () => {
    await srv?.close();
    await store?.close();
  });

  const introspect = (token: string) =>
    postForm(`${srv.url}/token/introspection`, { token }, { authorization: basic(tpp.client_id, tpp.client_secret) });

  it("the cheaper step stands in oidc-provider's introspection and revocation routes (an upgrade that moves them fails here)", () => {
    expect(skipStructuredTokenCheckForOpaqueTokens()).to.equal(true);
  });

  it('an opaque token is introspected as before: active, then inactive once revoked', async () => {
    const issued = (await json(
      await postForm(
        `${srv.url}/token`,
        { grant_type: 'client_credentials', scope: 'public:read' },
        { authorization: basic(tpp.client_id, tpp.client_secret) },
      ),
    )) as { access_token: string };
    expect(((await json(await introspect(issued.access_token))) as { active: boolean }).active).to.equal(true);
    const revoked = await postForm(
      `${srv.url}/token/revocation`,
      { token: issued.access_token },
      { authorization: basic(tpp.client_id, tpp.client_secret) },
    );
    expect(revoked.status).to.equal(200);
    expect(await json(await introspect(issued.access_token))).to.deep.equal({ active: false });
  });

  it('a token shaped like a JWT still meets the header check; one that is not a JWT this server signed is inactive', async () => {
    expect(await json(await introspect('a.b.c'))).to.deep.equal({ active: false });
    expect(await json(await introspect('eyJhbGciOiJub25lIn0.e30.'))).to.deep.equal({ active: false });
  });
});
