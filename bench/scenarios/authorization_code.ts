import { performance } from 'node:perf_hooks';

import { codeFlow } from '../lib/code_flow.ts';
import { percentile } from '../lib/stats.ts';
import type { CodeFlowSetup, Target } from '../targets/types.ts';
import type { Measurement, Scenario } from './types.ts';

interface Tally {
  latencies: number[];
  failed: number;
  firstError: string | undefined;
  starved: boolean;
}

/** One scripted customer after another until the deadline, or until no customer may log in in this TOTP step. */
async function customerLoop(target: Target, setup: CodeFlowSetup, deadline: number, tally: Tally): Promise<void> {
  while (performance.now() < deadline) {
    const customer = setup.customers.take();
    if (!customer) {
      tally.starved = true;
      return;
    }
    const started = performance.now();
    try {
      await codeFlow(target.url, setup, customer, () => setup.customers.code(customer));
      tally.latencies.push(performance.now() - started);
    } catch (err) {
      tally.failed++;
      tally.firstError ??= (err as Error).message;
    } finally {
      setup.customers.release(customer);
    }
  }
}

function measurement(tally: Tally, elapsedMs: number, customers: number): Measurement {
  const notes: string[] = [];
  if (tally.failed) notes.push(`${tally.failed} flows failed, first: ${tally.firstError}`);
  if (tally.starved) notes.push(`stopped early: all ${customers} customers had used this TOTP step's code`);
  return {
    rate: tally.latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(tally.latencies, 50),
    p99Ms: percentile(tally.latencies, 99),
    ok: tally.latencies.length,
    failed: tally.failed,
    notes,
  };
}

/**
 * A customer authorizing a TPP through the pages, as a browser without JavaScript would:
 * /auth → login → one-time code → consent → redirect with code → POST /token (PKCE).
 * A flow's latency is the whole flow's; the rate is completed flows per second.
 */
export const authorizationCode: Scenario = {
  id: 'authorization_code',
  title: 'authorization code flow (forms → code → token)',
  unit: 'flows/s',

  async prepare(target, ctx) {
    const setup = await target.codeFlowSetup();
    return {
      run: (seconds) =>
        ctx.measure(target, async () => {
          const tally: Tally = { latencies: [], failed: 0, firstError: undefined, starved: false };
          const started = performance.now();
          const deadline = started + seconds * 1000;
          await Promise.all(Array.from({ length: ctx.flowConcurrency }, () => customerLoop(target, setup, deadline, tally)));
          return measurement(tally, performance.now() - started, setup.customers.size);
        }),
    };
  },
};
