import { expect } from 'chai';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';

import { ClientManager } from '../../server/clients/manage.ts';
import type { TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import {
  clientCredentialsToken,
  dpopKey,
  registerApiClient,
  registerTpp,
  startAuthorizationServer,
  type Credentials,
  type TokenFormat,
} from '../resource_server/support.ts';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

for (const format of ['opaque', 'jwt'] as TokenFormat[]) {
  describe(`client credentials tokens, ${format} (RFC 9068 §2.1–2.2, RFC 7662 §2.2)`, () => {
    let store: TestRedisStore;
    let srv: TestServer;
    let tpp: Credentials;

    before(async () => {
      store = await openTestRedisStore();
      srv = await startAuthorizationServer(store, format);
      tpp = await registerTpp(srv);
    });

    after(async () => {
      await srv?.close();
      await store?.close();
    });

    async function introspect(token: string, by: Credentials = tpp): Promise<oauth.IntrospectionResponse> {
      const as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
      const caller: oauth.Client = { client_id: by.clientId };
      const res = await oauth.introspectionRequest(as, caller, oauth.ClientSecretBasic(by.clientSecret), token, insecure);
      return oauth.processIntrospectionResponse(as, caller, res);
    }

    it('the API’s own client sees the token while the token’s client is registered, and nothing once it is deleted', async () => {
      const apiClient = await registerApiClient(srv, 'public-data');
      const other = await registerTpp(srv);
      const token = await clientCredentialsToken(srv, other);
      expect(await introspect(token, apiClient)).to.include({ active: true, sub: other.clientId });
      // through the app's own store, whose client cache drops the registration everywhere
      await new ClientManager(srv.provider, srv.deps.store, srv.registry).delete(other.clientId);
      expect(await introspect(token, apiClient)).to.deep.equal({ active: false });
    });

    it('introspection (oauth4webapi) names the client as the subject of a token it got for itself', async () => {
      const token = await clientCredentialsToken(srv, tpp);
      const answer = await introspect(token);
      expect(answer).to.include({ active: true, sub: tpp.clientId, client_id: tpp.clientId, scope: 'public:read' });
      expect(answer.aud).to.equal('https://api.valtuus.example/public-data');
    });

    it('introspection of a DPoP-bound token says so: token_type DPoP and cnf.jkt (RFC 9449 §6.2)', async () => {
      const key = await dpopKey();
      const answer = await introspect(await clientCredentialsToken(srv, tpp, key.handle));
      expect(answer).to.include({ active: true, token_type: 'DPoP' });
      expect(answer.cnf).to.deep.equal({ jkt: key.jkt });
    });

    it('introspection answers inactive once the token is revoked (RFC 7009 §2.1)', async () => {
      const token = await clientCredentialsToken(srv, tpp);
      const as = await oauth.processDiscoveryResponse(new URL(srv.url), await oauth.discoveryRequest(new URL(srv.url), insecure));
      const caller: oauth.Client = { client_id: tpp.clientId };
      const res = await oauth.revocationRequest(as, caller, oauth.ClientSecretBasic(tpp.clientSecret), token, insecure);
      await oauth.processRevocationResponse(res);
      expect(await introspect(token)).to.deep.equal({ active: false });
    });

    if (format === 'jwt') {
      it('a JWT access token is RS256-signed, verifies for a resource server that accepts RS256 only (jose), with sub = client_id', async () => {
        const token = await clientCredentialsToken(srv, tpp);
        expect(decodeProtectedHeader(token)).to.include({ alg: 'RS256', typ: 'at+jwt' });
        const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${srv.url}/jwks`)), {
          issuer: srv.url,
          audience: 'https://api.valtuus.example/public-data',
          typ: 'at+jwt',
          algorithms: ['RS256'],
        });
        expect(payload).to.include({ sub: tpp.clientId, client_id: tpp.clientId });
      });

      it('a forged JWT (signed by another key) is inactive, not unsupported_token_type', async () => {
        const token = await clientCredentialsToken(srv, tpp);
        const [header, payload] = token.split('.');
        expect(await introspect(`${header}.${payload}.${'A'.repeat(342)}`)).to.deep.equal({ active: false });
      });
    }
  });
}
