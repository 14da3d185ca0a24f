import { join } from 'node:path';

import { basicAuth, describeResponse, mapLimit, postForm } from '../lib/net.ts';
import { runWrk } from '../lib/wrk.ts';
import type { Target } from '../targets/types.ts';
import { NotAvailable, type Measurement, type Scenario } from './types.ts';

const POOL = 256; // distinct tokens, so the run is not one hot key

async function issueTokens(target: Target, authorization: string, scope: string): Promise<string[]> {
  return mapLimit(Array.from({ length: POOL }), 16, async () => {
    const res = await postForm(`${target.url}/token`, { grant_type: 'client_credentials', scope }, authorization);
    if (res.status !== 200) throw new NotAvailable(`no access token to introspect: ${describeResponse(res)}`);
    return String(res.body.access_token);
  });
}

async function isActive(target: Target, authorization: string, token: string): Promise<boolean> {
  const res = await postForm(`${target.url}/token/introspection`, { token, token_type_hint: 'access_token' }, authorization);
  return res.status === 200 && res.body.active === true;
}

/**
 * A resource server checking access tokens: POST /token/introspection (RFC 7662), by the client
 * the tokens were issued to, with the hint Valtuus' own resource-server middleware sends. The
 * tokens are issued just before each run and checked after it: the baseline's in-memory store
 * keeps only its 1000 most recent entries, and an answer of `active: false` is no measurement.
 */
export const introspection: Scenario = {
  id: 'introspection',
  title: 'introspection (POST /token/introspection)',
  unit: 'req/s',

  async prepare(target, ctx) {
    const client = await target.clientCredentialsClient();
    const authorization = basicAuth(client.clientId, client.secret);
    const [probe] = await issueTokens(target, authorization, client.scope);
    if (!(await isActive(target, authorization, probe!))) {
      const res = await postForm(`${target.url}/token/introspection`, { token: probe!, token_type_hint: 'access_token' }, authorization);
      throw new NotAvailable(`introspection does not say active for a fresh token: ${describeResponse(res)}`);
    }
    const linesFile = join(ctx.tmpDir, `${target.id}-introspection.txt`);
    return {
      async run(seconds): Promise<Measurement> {
        const tokens = await issueTokens(target, authorization, client.scope);
        const lines = tokens.map((token) => new URLSearchParams({ token, token_type_hint: 'access_token' }).toString());
        const load = {
          script: 'form_post.lua' as const,
          baseUrl: target.url,
          path: '/token/introspection',
          authorization,
          lines,
          linesFile,
          seconds,
        };
        const m = await ctx.measure(target, () => runWrk(load, ctx.load));
        const stillActive = await Promise.all([tokens[0]!, tokens.at(-1)!].map((t) => isActive(target, authorization, t)));
        if (stillActive.includes(false)) m.notes.push('some introspected tokens were no longer active after the run: rate not comparable');
        return m;
      },
    };
  },
};
