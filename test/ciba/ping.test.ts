import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';

import { createCustomer } from '../support/flow.ts';
import { expectOAuthError, json, type TestServer } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { fetchTrusting, selfSignedCertificate } from '../support/tls.ts';
import { ApprovalAgent, pollToken, registerCibaClient, startCibaServer, startRequest } from './support.ts';

interface Ping {
  authorization: string | undefined;
  body: { auth_req_id?: string };
}

describe('CIBA ping mode: the client is notified once at its https endpoint (CIBA Core §10.2)', function () {
  this.timeout(30_000);
  let store: TestRedisStore;
  let srv: TestServer;
  let receiver: Server;
  const pings: Ping[] = [];

  before(async () => {
    const tls = selfSignedCertificate();
    receiver = createServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        pings.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Ping['body'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    store = await openTestRedisStore();
    srv = await startCibaServer(store, {}, { hooks: { fetch: fetchTrusting(tls.cert) } });
  });
  after(async () => {
    await srv.close();
    await store.close();
    receiver.close();
  });

  it('a ping client is registered with the endpoint; its request needs client_notification_token', async () => {
    const endpoint = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/ciba/callback`;
    const client = await registerCibaClient(srv, { backchannelNotificationEndpoint: endpoint });
    expect(client).to.include({ backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: endpoint });
    const customer = await createCustomer(srv.deps);
    await expectOAuthError(
      await fetch(`${srv.url}/backchannel`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
        body: new URLSearchParams({ scope: 'openid accounts:read', login_hint: customer.username }),
      }),
      400,
      'invalid_request',
    );

    const started = await startRequest(srv, client, { login_hint: customer.username, client_notification_token: 'tpp-notify-token-1' });
    expect(pings).to.have.length(0);
    const page = new ApprovalAgent(srv);
    await page.signIn(customer);
    await page.answer(started.auth_req_id, 'allow');

    expect(pings).to.deep.equal([{ authorization: 'Bearer tpp-notify-token-1', body: { auth_req_id: started.auth_req_id } }]);
    const res = await pollToken(srv, client, started.auth_req_id);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(body.status).to.equal('approved');
    expect(pings).to.have.length(1);
  });
});
