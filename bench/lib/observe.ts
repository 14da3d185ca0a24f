import type { Redis } from 'ioredis';

import type { Measurement, ScenarioContext } from '../scenarios/types.ts';
import { othersShare, type CpuMeter } from './cpu.ts';

/** Calls per Redis command since the server started, from INFO commandstats. */
async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
  return calls;
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [command, n] of Object.entries(after)) {
    // INFO is the harness asking, not Valtuus
    if (command !== 'info' && n > (before[command] ?? 0)) diff[command] = n - (before[command] ?? 0);
  }
  return diff;
}

/**
 * Wraps the timed part of each run: how much of the machine other processes used meanwhile,
 * and, for Valtuus, which Redis commands it sent (its Redis is private, so all of them are its).
 */
export function observer(cpu: CpuMeter, valtuusRedis: Redis | undefined): ScenarioContext['measure'] {
  return async function measure(target, run): Promise<Measurement> {
    const redis = target.id === 'valtuus' ? valtuusRedis : undefined;
    const before = cpu.snapshot();
    const callsBefore = redis ? await commandCalls(redis) : undefined;
    const m = await run();
    m.othersCpu = othersShare(before, cpu.snapshot());
    if (redis && callsBefore) m.redisCalls = difference(await commandCalls(redis), callsBefore);
    return m;
  };
}

/** For runs nobody compares (profiling): no bookkeeping. */
export const unobserved: ScenarioContext['measure'] = (_target, run) => run();
