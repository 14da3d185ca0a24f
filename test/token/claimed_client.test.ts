import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect } from 'chai';
import Koa from 'koa';
import getRawBody from 'raw-body';

import { claimedClientId } from '../../server/token/claimed_client.ts';
import { basic, postForm, registerClient, useServerOnRedis, type RegisteredClient } from '../support/server.ts';

/** POSTs a form in chunks without a Content-Length (Transfer-Encoding: chunked). */
function postChunked(url: string, parts: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    let i = 0;
    const writeNext = (): void => {
      if (i === parts.length) {
        req.end();
        return;
      }
      req.write(parts[i++]);
      setImmediate(writeNext);
    };
    writeNext();
  });
}

describe('token endpoint: the claimed client is read without spending the body (RFC 6749 §2.3.1)', () => {
  describe('claimedClientId on a bare Koa app', () => {
    let server: Server;
    let url: string;

    before(async () => {
      const app = new Koa();
      app.use(async (ctx) => {
        const claimed = await claimedClientId(ctx);
        // what oidc-provider's body reader checks before it reads the stream itself
        const readable = ctx.req.readable;
        const body = (await getRawBody(ctx.req)).toString('utf8');
        ctx.body = { claimed, readable, body };
      });
      server = createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('leaves a body with a Content-Length readable and whole for the next reader', async () => {
      const form = { grant_type: 'client_credentials', client_id: 'tpp-1', client_secret: 's'.repeat(40) };
      const res = await postForm(url, form);
      const seen = (await res.json()) as { claimed: string; readable: boolean; body: string };
      expect(seen.claimed).to.equal('tpp-1');
      expect(seen.readable).to.equal(true);
      expect(seen.body).to.equal(new URLSearchParams(form).toString());
    });

    it('leaves a chunked body readable and whole for the next reader', async () => {
      const res = await postChunked(url, ['grant_type=client_cre', 'dentials&client_', 'id=tpp-2&scope=public%3Aread']);
      const seen = JSON.parse(res.body) as { claimed: string; readable: boolean; body: string };
      expect(seen.claimed).to.equal('tpp-2');
      expect(seen.readable).to.equal(true);
      expect(seen.body).to.equal('grant_type=client_credentials&client_id=tpp-2&scope=public%3Aread');
    });
  });

  describe('POST /token', () => {
    // one failure of the per-client budget: a second wrong secret for the same client is refused unchecked
    const fx = useServerOnRedis({ RATE_LIMIT_CLIENT_AUTH_FAILURES: '1', RATE_LIMIT_ADDRESS_AUTH_FAILURES: '1000' });
    let poster: RegisteredClient;
    const warnings: string[] = [];
    const originalWarn = console.warn;

    before(async () => {
      poster = await registerClient(fx.srv, { name: 'Post TPP', authMethod: 'client_secret_post' });
      console.warn = (...args: unknown[]) => {
        warnings.push(args.map(String).join(' '));
      };
    });

    after(() => {
      console.warn = originalWarn;
    });

    it('authenticates a client_secret_post client from the body, and oidc-provider does not warn of an already parsed body', async () => {
      const form = {
        grant_type: 'client_credentials',
        scope: 'public:read',
        client_id: poster.client_id,
        client_secret: poster.client_secret,
      };
      const res = await postForm(`${fx.srv.url}/token`, form);
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(((await res.json()) as { access_token?: unknown }).access_token).to.be.a('string');
      const basicRes = await postForm(
        `${fx.srv.url}/token`,
        { grant_type: 'client_credentials', scope: 'public:read' },
        {
          authorization: basic(poster.client_id, poster.client_secret),
        },
      );
      await basicRes.body?.cancel();
      expect(warnings.filter((w) => /already parsed request body/.test(w))).to.deep.equal([]);
    });

    it('still charges the client named in the body: its second wrong secret is refused (429) before it is checked', async () => {
      const wrong = { grant_type: 'client_credentials', scope: 'public:read', client_id: poster.client_id, client_secret: 'wrong' };
      const first = await postForm(`${fx.srv.url}/token`, wrong);
      expect(first.status, await first.text()).to.equal(401);
      const second = await postForm(`${fx.srv.url}/token`, wrong);
      expect(second.status, await second.text()).to.equal(429);
      expect(warnings.filter((w) => /already parsed request body/.test(w))).to.deep.equal([]);
    });
  });
});
