import { join } from 'node:path';

import { basicAuth, describeResponse, postForm } from '../lib/net.ts';
import { runWrk } from '../lib/wrk.ts';
import { NotAvailable, type Scenario } from './types.ts';

/** A TPP getting a token for itself: POST /token, grant_type=client_credentials, Basic auth (RFC 6749 §4.4). */
export const clientCredentials: Scenario = {
  id: 'client_credentials',
  title: 'client credentials (POST /token)',
  unit: 'req/s',

  async prepare(target, ctx) {
    const client = await target.clientCredentialsClient();
    const authorization = basicAuth(client.clientId, client.secret);
    const form = { grant_type: 'client_credentials', scope: client.scope };
    const res = await postForm(`${target.url}/token`, form, authorization);
    if (res.status !== 200 || typeof res.body.access_token !== 'string') {
      throw new NotAvailable(`POST /token refused client credentials: ${describeResponse(res)}`);
    }
    const load = {
      script: 'form_post.lua' as const,
      baseUrl: target.url,
      path: '/token',
      authorization,
      lines: [new URLSearchParams(form).toString()],
      linesFile: join(ctx.tmpDir, `${target.id}-client-credentials.txt`),
    };
    return { run: (seconds) => ctx.measure(target, () => runWrk({ ...load, seconds }, ctx.load)) };
  },
};
