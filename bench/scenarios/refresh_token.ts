import { join } from 'node:path';

import { codeFlow } from '../lib/code_flow.ts';
import { basicAuth, describeResponse, postForm } from '../lib/net.ts';
import { runWrk } from '../lib/wrk.ts';
import type { Target } from '../targets/types.ts';
import { NotAvailable, type Scenario } from './types.ts';

// A few spare chains, so that one refused refresh does not idle a connection; not many more,
// as every chain waiting its turn is one more entry the baseline's 1000-entry LRU must keep.
const CHAINS_PER_CONNECTION = 1.25;

/** One real refresh token, from one customer's login through the forms. */
async function seedToken(target: Target): Promise<{ seed: string; authorization: string }> {
  const setup = await target.codeFlowSetup();
  const customer = setup.customers.take();
  if (!customer) throw new Error('no customer free for the seed login');
  try {
    const tokens = await codeFlow(target.url, setup, customer, () => setup.customers.code(customer));
    if (typeof tokens.refresh_token !== 'string') throw new NotAvailable('the code exchange issued no refresh token');
    return { seed: tokens.refresh_token, authorization: basicAuth(setup.clientId, setup.secret) };
  } finally {
    setup.customers.release(customer);
  }
}

/**
 * A TPP renewing customer access: POST /token, grant_type=refresh_token, rotating. Each wrk
 * connection follows rotation chains, spending the token each answer returns
 * (bench/wrk/refresh_chain.lua); the chains start from copies of one real token from a login
 * through the forms (bench/lib/clone.ts), made afresh before every run.
 */
export const refreshToken: Scenario = {
  id: 'refresh_token',
  title: 'refresh token (POST /token, rotating)',
  unit: 'req/s',

  async prepare(target, ctx) {
    const { seed, authorization } = await seedToken(target);
    const [probe] = await target.cloneRefreshTokens(seed, 1);
    const res = await postForm(`${target.url}/token`, { grant_type: 'refresh_token', refresh_token: probe! }, authorization);
    if (res.status !== 200 || typeof res.body.refresh_token !== 'string') {
      throw new NotAvailable(`a stored copy of a refresh token is refused: ${describeResponse(res)}`);
    }
    const linesFile = join(ctx.tmpDir, `${target.id}-refresh-seeds.txt`);
    return {
      async run(seconds) {
        // a fresh seed each time: the baseline's LRU store has long forgotten the first one
        const fresh = await seedToken(target);
        const lines = await target.cloneRefreshTokens(fresh.seed, Math.ceil(ctx.load.connections * CHAINS_PER_CONNECTION));
        const load = {
          script: 'refresh_chain.lua' as const,
          baseUrl: target.url,
          path: '/token',
          authorization,
          lines,
          linesFile,
          seconds,
        };
        return ctx.measure(target, () => runWrk(load, ctx.load));
      },
    };
  },
};
