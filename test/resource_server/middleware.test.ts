import { expect } from 'chai';
import * as oauth from 'oauth4webapi';

import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { json, type TestServer } from '../support/server.ts';
import { startResourceServers, type ResourceServers } from './harness.ts';
import {
  RESOURCE,
  ath,
  challenges,
  clientCredentialsToken,
  dpopKey,
  expectRefusal,
  mintCustomerToken,
  proof,
  registerCustomerApp,
  registerTpp,
  startAuthorizationServer,
  type Credentials,
  type DpopKey,
  type TokenFormat,
} from './support.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const format of ['opaque', 'jwt'] as TokenFormat[]) {
  describe(`resource server middleware: ${format} access tokens (RFC 6750, RFC 9449)`, () => {
    let store: TestRedisStore;
    let srv: TestServer;
    let rs: ResourceServers;
    let tpp: Credentials;
    let key: DpopKey;
    let plain: string;
    let bound: string;

    before(async () => {
      store = await openTestRedisStore();
      srv = await startAuthorizationServer(store, format);
      rs = await startResourceServers(srv);
      tpp = await registerTpp(srv);
      key = await dpopKey();
      plain = await clientCredentialsToken(srv, tpp);
      bound = await clientCredentialsToken(srv, tpp, key.handle);
    });

    after(async () => {
      await rs?.close();
      await srv?.close();
      await store?.close();
    });

    const dpopGet = async (token: string, claims: Partial<Parameters<typeof proof>[1]> = {}, header: Parameters<typeof proof>[2] = {}) => {
      const dpop = await proof(key, { htm: 'GET', htu: `${rs.url}/data`, ath: ath(token), ...claims }, header);
      return fetch(`${rs.url}/data`, { headers: { authorization: `DPoP ${token}`, dpop } });
    };

    describe('Bearer tokens (RFC 6750 §2.1)', () => {
      it(`issues ${format} tokens`, () => {
        expect(plain.split('.').length).to.equal(format === 'jwt' ? 3 : 1);
      });

      it('answers 200 and leaves the verified token in ctx.state.token', async () => {
        const res = await fetch(`${rs.url}/data`, { headers: bearer(plain) });
        expect(res.status).to.equal(200);
        const token = await json(res);
        expect(token).to.include({ format, client_id: tpp.clientId, scope: 'public:read' });
        expect(token.scopes).to.deep.equal(['public:read']);
        expect(token.aud).to.deep.equal([RESOURCE.publicData]);
        expect(token.exp).to.be.greaterThan(Date.now() / 1000);
        expect(token).not.to.have.property('jkt');
      });

      it('answers 401 with the challenges but no error code when no token is sent (RFC 6750 §3.1)', async () => {
        const res = await fetch(`${rs.url}/data`);
        expect(res.status).to.equal(401);
        const found = challenges(res);
        expect(found.get('Bearer')).to.deep.equal({ realm: RESOURCE.publicData });
        expect(found.get('DPoP')).to.deep.equal({ realm: RESOURCE.publicData, algs: 'ES256 PS256 EdDSA' });
        expect(await json(res)).to.have.property('error', 'invalid_token');
      });

      it('answers 401 invalid_token to a token the authorization server never issued', async () => {
        const fake = format === 'jwt' ? `${plain.split('.').slice(0, 2).join('.')}.AAAA` : 'x'.repeat(43);
        const challenge = await expectRefusal(await fetch(`${rs.url}/data`, { headers: bearer(fake) }), 401, 'Bearer', 'invalid_token');
        expect(challenge).not.to.have.property('algs');
      });

      it("answers 401 invalid_token to a token of another API (the audience is not this API's)", async () => {
        await expectRefusal(await fetch(`${rs.url}/accounts`, { headers: bearer(plain) }), 401, 'Bearer', 'invalid_token');
      });

      it('answers 403 insufficient_scope naming the scope the resource needs (RFC 6750 §3.1)', async () => {
        const app = await registerCustomerApp(srv, 'accounts:read accounts:write');
        const token = await mintCustomerToken(srv, { tpp: app, accountId: 'cust-1', resource: RESOURCE.accounts, scope: 'accounts:write' });
        const challenge = await expectRefusal(
          await fetch(`${rs.url}/accounts`, { headers: bearer(token) }),
          403,
          'Bearer',
          'insufficient_scope',
        );
        expect(challenge.scope).to.equal('accounts:read');
      });

      it('answers 200 to a customer token with the scope, with the customer as sub', async () => {
        const app = await registerCustomerApp(srv, 'accounts:read');
        const token = await mintCustomerToken(srv, { tpp: app, accountId: 'cust-2', resource: RESOURCE.accounts, scope: 'accounts:read' });
        const res = await fetch(`${rs.url}/accounts`, { headers: bearer(token) });
        expect(res.status).to.equal(200);
        expect(await json(res)).to.include({ sub: 'cust-2', client_id: app.clientId });
      });

      it('answers 401 invalid_token to an unbound token sent with the DPoP scheme', async () => {
        const res = await dpopGet(plain);
        await expectRefusal(res, 401, 'DPoP', 'invalid_token');
      });

      it('answers 401 with a DPoP challenge to an unbound token where only DPoP-bound tokens go', async () => {
        const app = await registerCustomerApp(srv, 'payments:write');
        const token = await mintCustomerToken(srv, { tpp: app, accountId: 'cust-1', resource: RESOURCE.payments, scope: 'payments:write' });
        const challenge = await expectRefusal(
          await fetch(`${rs.url}/pay`, { method: 'POST', headers: bearer(token) }),
          401,
          'DPoP',
          'invalid_token',
        );
        expect(challenge.algs).to.equal('ES256 PS256 EdDSA');
      });
    });

    describe('DPoP-bound tokens (RFC 9449 §7)', () => {
      it('answers 200 to a standard client (oauth4webapi) sending the token with a proof', async () => {
        const res = await oauth.protectedResourceRequest(bound, 'GET', new URL(`${rs.url}/data`), new Headers(), null, {
          DPoP: key.handle,
          [oauth.allowInsecureRequests]: true,
        });
        expect(res.status).to.equal(200);
        expect(await json(res)).to.include({ jkt: key.jkt, client_id: tpp.clientId });
      });

      it('refuses a DPoP-bound token presented as Bearer, with a DPoP challenge (RFC 9449 §7.2)', async () => {
        const dpop = await proof(key, { htm: 'GET', htu: `${rs.url}/data`, ath: ath(bound) });
        await expectRefusal(await fetch(`${rs.url}/data`, { headers: { ...bearer(bound), dpop } }), 401, 'DPoP', 'invalid_token');
      });

      it('refuses a DPoP-bound token without a proof', async () => {
        const res = await fetch(`${rs.url}/data`, { headers: { authorization: `DPoP ${bound}` } });
        await expectRefusal(res, 401, 'DPoP', 'invalid_dpop_proof');
      });

      it('refuses a proof for another access token (ath)', async () => {
        const challenge = await expectRefusal(await dpopGet(bound, { ath: ath(plain) }), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('(ath)');
      });

      it('refuses a proof without ath', async () => {
        const challenge = await expectRefusal(await dpopGet(bound, { ath: undefined }), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('invalid ath claim');
      });

      it('refuses a proof for another URL (htu)', async () => {
        const challenge = await expectRefusal(await dpopGet(bound, { htu: `${rs.url}/accounts` }), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain(`htu must be ${rs.url}/data`);
      });

      it('accepts a proof whose htu differs only in query (RFC 9449 §4.3 check 9)', async () => {
        expect((await dpopGet(bound, { htu: `${rs.url}/data?page=2` })).status).to.equal(200);
      });

      it('refuses a proof for another method (htm)', async () => {
        const challenge = await expectRefusal(await dpopGet(bound, { htm: 'POST' }), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('htm must be GET');
      });

      it('refuses a replayed proof (jti)', async () => {
        const dpop = await proof(key, { htm: 'GET', htu: `${rs.url}/data`, ath: ath(bound) });
        const send = () => fetch(`${rs.url}/data`, { headers: { authorization: `DPoP ${bound}`, dpop } });
        expect((await send()).status).to.equal(200);
        const challenge = await expectRefusal(await send(), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('used before');
      });

      it('refuses a proof signed by another key than the bound one', async () => {
        const other = await dpopKey();
        const dpop = await proof(other, { htm: 'GET', htu: `${rs.url}/data`, ath: ath(bound) });
        const res = await fetch(`${rs.url}/data`, { headers: { authorization: `DPoP ${bound}`, dpop } });
        const challenge = await expectRefusal(res, 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('another key');
      });

      it('refuses a proof whose embedded jwk is not the signing key', async () => {
        const other = await dpopKey();
        const challenge = await expectRefusal(await dpopGet(bound, {}, { jwk: other.publicJwk }), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('signature');
      });

      it('refuses a stale proof and one from the future (iat)', async () => {
        const now = Math.floor(Date.now() / 1000);
        for (const iat of [now - 600, now + 600]) {
          const challenge = await expectRefusal(await dpopGet(bound, { iat }), 401, 'DPoP', 'invalid_dpop_proof');
          expect(challenge.error_description).to.contain('not fresh');
        }
      });

      it('refuses a proof that is not typed dpop+jwt', async () => {
        const challenge = await expectRefusal(await dpopGet(bound, {}, { typ: 'JWT' }), 401, 'DPoP', 'invalid_dpop_proof');
        expect(challenge.error_description).to.contain('dpop+jwt');
      });

      it('answers 403 insufficient_scope with a DPoP challenge', async () => {
        const app = await registerCustomerApp(srv, 'accounts:write');
        const token = await mintCustomerToken(srv, {
          tpp: app,
          accountId: 'cust-1',
          resource: RESOURCE.accounts,
          scope: 'accounts:write',
          jkt: key.jkt,
        });
        const dpop = await proof(key, { htm: 'GET', htu: `${rs.url}/accounts`, ath: ath(token) });
        const res = await fetch(`${rs.url}/accounts`, { headers: { authorization: `DPoP ${token}`, dpop } });
        const challenge = await expectRefusal(res, 403, 'DPoP', 'insufficient_scope');
        expect(challenge).to.include({ scope: 'accounts:read', algs: 'ES256 PS256 EdDSA' });
      });

      it('answers 200 where only DPoP-bound tokens go, with a bound token and its proof', async () => {
        const app = await registerCustomerApp(srv, 'payments:write');
        const token = await mintCustomerToken(srv, {
          tpp: app,
          accountId: 'cust-1',
          resource: RESOURCE.payments,
          scope: 'payments:write',
          jkt: key.jkt,
        });
        const dpop = await proof(key, { htm: 'POST', htu: `${rs.url}/pay`, ath: ath(token) });
        const res = await fetch(`${rs.url}/pay`, { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop } });
        expect(res.status).to.equal(200);
        expect(await json(res)).to.include({ sub: 'cust-1', jkt: key.jkt });
      });
    });
  });
}
