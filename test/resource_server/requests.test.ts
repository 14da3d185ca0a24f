import { expect } from 'chai';

import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { json, type TestServer } from '../support/server.ts';
import { startResourceServers, type ResourceServers } from './harness.ts';
import { challenges, clientCredentialsToken, expectRefusal, rawGet, registerTpp, startAuthorizationServer } from './support.ts';

describe('resource server middleware: where the token may be (RFC 6750 §2, §3.1)', () => {
  let store: TestRedisStore;
  let srv: TestServer;
  let rs: ResourceServers;
  let token: string;

  before(async () => {
    store = await openTestRedisStore();
    srv = await startAuthorizationServer(store, 'opaque');
    rs = await startResourceServers(srv);
    token = await clientCredentialsToken(srv, await registerTpp(srv));
  });

  after(async () => {
    await rs?.close();
    await srv?.close();
    await store?.close();
  });

  it('accepts the scheme name in any case (RFC 9110 §11.1)', async () => {
    expect((await fetch(`${rs.url}/data`, { headers: { authorization: `bearer ${token}` } })).status).to.equal(200);
  });

  it('refuses a token in the query string with 400 invalid_request', async () => {
    await expectRefusal(await fetch(`${rs.url}/data?access_token=${token}`), 400, 'Bearer', 'invalid_request');
  });

  it('refuses a token in the header and the query at once with 400 invalid_request', async () => {
    const res = await fetch(`${rs.url}/data?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    await expectRefusal(res, 400, 'Bearer', 'invalid_request');
  });

  it('refuses two Authorization headers with 400 invalid_request', async () => {
    const res = await rawGet(`${rs.url}/data`, { authorization: [`Bearer ${token}`, `Bearer ${token}`] });
    expect(res.status).to.equal(400);
    expect(JSON.parse(res.body)).to.include({ error: 'invalid_request' });
  });

  it('refuses a malformed Authorization header with 400 invalid_request', async () => {
    for (const header of ['Bearer', `Bearer ${token} extra`, 'Bearer not/a"token']) {
      await expectRefusal(await fetch(`${rs.url}/data`, { headers: { authorization: header } }), 400, 'Bearer', 'invalid_request');
    }
  });

  it('treats another scheme as no credentials: 401 with the challenges and no error code', async () => {
    const res = await fetch(`${rs.url}/data`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(res.status).to.equal(401);
    expect([...challenges(res).keys()]).to.deep.equal(['Bearer', 'DPoP']);
    expect(challenges(res).get('Bearer')).not.to.have.property('error');
  });

  it('offers only the DPoP challenge where only DPoP-bound tokens go', async () => {
    const res = await fetch(`${rs.url}/pay`, { method: 'POST' });
    expect(res.status).to.equal(401);
    expect([...challenges(res).keys()]).to.deep.equal(['DPoP']);
  });

  it('marks refusals Cache-Control: no-store and keeps the body to error and error_description', async () => {
    const res = await fetch(`${rs.url}/data`, { headers: { authorization: 'Bearer unknown-token' } });
    expect(res.status).to.equal(401);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(Object.keys(await json(res)).sort()).to.deep.equal(['error', 'error_description']);
  });
});
