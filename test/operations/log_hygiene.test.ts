import { Writable } from 'node:stream';

import { expect } from 'chai';

import { authorize, createCustomer, Flow } from '../support/flow.ts';
import { REDIRECT_URI, redeemCode, refresh, registerWebClient, tokenRequest } from '../support/code_grant.ts';
import { basic, json, postForm, registerClient, startTestServer } from '../support/server.ts';
import { openTestRedisStore } from '../support/stores.ts';

/** Collects every log line the app writes. */
function captureLogs(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logs (RFC 6819 §5.1.4.1.3, README "Operations"): no secret, token, code, password or one-time code in any line', () => {
  it('holds for a full run of every flow at LOG_LEVEL=trace', async () => {
    const store = await openTestRedisStore();
    const logs = captureLogs();
    const srv = await startTestServer(store, { LOG_LEVEL: 'trace', REDIS_KEY_PREFIX: store.prefix }, { logTo: logs.stream });
    const secrets: string[] = [];
    try {
      // client credentials, introspection, revocation, a wrong secret
      const m2m = await registerClient(srv);
      secrets.push(m2m.client_secret);
      const cc = await json(
        await postForm(
          `${srv.url}/token`,
          { grant_type: 'client_credentials' },
          { authorization: basic(m2m.client_id, m2m.client_secret) },
        ),
      );
      secrets.push(cc.access_token);
      await postForm(
        `${srv.url}/token/introspection`,
        { token: cc.access_token },
        { authorization: basic(m2m.client_id, m2m.client_secret) },
      );
      await postForm(`${srv.url}/token/revocation`, { token: cc.access_token }, { authorization: basic(m2m.client_id, m2m.client_secret) });
      await postForm(
        `${srv.url}/token`,
        { grant_type: 'client_credentials' },
        { authorization: basic(m2m.client_id, 'wrong-secret-value-0123456789') },
      );
      secrets.push('wrong-secret-value-0123456789');

      // a customer: wrong password, wrong code, then the whole flow with refresh
      const web = await registerWebClient(srv);
      secrets.push(web.client_secret);
      const customer = await createCustomer(srv.deps);
      secrets.push(customer.password, customer.secret);
      const failing = await Flow.start(srv.url, { client_id: web.client_id, redirect_uri: REDIRECT_URI, scope: 'openid accounts:read' });
      await failing.login(customer.username, 'not-the-password-987654');
      secrets.push('not-the-password-987654');
      const flow = await authorize(
        srv.url,
        { client_id: web.client_id, redirect_uri: REDIRECT_URI, scope: 'openid accounts:read' },
        customer,
      );
      const code = flow.code();
      secrets.push(code, flow.pkce.verifier);
      const tokens = await json(await redeemCode(srv, web, flow));
      secrets.push(tokens.access_token, tokens.refresh_token, tokens.id_token);
      const refreshed = await json(await refresh(srv, web, tokens.refresh_token));
      secrets.push(refreshed.access_token, refreshed.refresh_token);
      await refresh(srv, web, tokens.refresh_token); // reuse: refused, and the chain is revoked
      await redeemCode(srv, web, flow, code); // replay
      for (const path of ['/', '/auth/', '/interaction/']) {
        for (const pair of flow.agent.jar.header(new URL(path, srv.url)).split('; ').filter(Boolean))
          secrets.push(pair.slice(pair.indexOf('=') + 1));
      }

      // the legacy password grant, with its one-time code
      const legacy = await registerClient(srv, {
        name: 'Legacy',
        grantTypes: ['password'],
        scope: 'accounts:read',
        allowLegacyGrants: true,
      });
      secrets.push(legacy.client_secret);
      const otp = customer.nextCode();
      secrets.push(otp);
      await tokenRequest(srv, legacy, {
        grant_type: 'password',
        username: customer.username,
        password: customer.password,
        otp,
        scope: 'accounts:read',
      });
    } finally {
      await srv.close();
      await store.close();
    }

    const text = logs.text();
    expect(text.split('\n').filter(Boolean).length).to.be.greaterThan(20); // the run did log
    expect(text).to.contain('"stream":"audit"');
    for (const secret of secrets.filter((s) => typeof s === 'string' && s.length >= 6)) {
      expect(text.includes(secret), `a log line contains ${secret.slice(0, 4)}…`).to.equal(false);
    }
  });
});
