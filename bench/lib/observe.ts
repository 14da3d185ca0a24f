import { execFileSync } from 'node:child_process';

import type { Redis } from 'ioredis';

import type { Measurement, ScenarioContext } from '../scenarios/types.ts';
import { othersShare, processTicks, type CpuMeter } from './cpu.ts';
import { processTree } from './rss.ts';

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

const MS_PER_TICK = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

/** CPU ticks of a process and its descendants (cluster workers). */
function treeTicks(pid: number | undefined): number {
  return pid === undefined ? 0 : processTree(pid).reduce((sum, p) => sum + processTicks(p), 0);
}

/** What each process the run depends on spent: the server's, its Redis', and the load generator's (this process and wrk). */
function cpuTicks(pid: number | undefined, redisPid: number | undefined) {
  return { server: treeTicks(pid), redis: treeTicks(redisPid), load: processTicks('self') };
}

/**
 * Wraps the timed part of each run: how much of the machine other processes used meanwhile,
 * the CPU time each process of the run spent per request (a figure that does not depend on
 * how busy the machine was), and, for Valtuus, which Redis commands it sent (its Redis is
 * private, so all of them are its).
 */
export function observer(cpu: CpuMeter, redisOf: (id: string) => Redis | undefined): ScenarioContext['measure'] {
  return async function measure(target, run): Promise<Measurement> {
    const redis = redisOf(target.id);
    const before = cpu.snapshot();
    const ticksBefore = cpuTicks(target.pid, target.redisPid);
    const callsBefore = redis ? await commandCalls(redis) : undefined;
    const m = await run();
    const ticksAfter = cpuTicks(target.pid, target.redisPid);
    m.othersCpu = othersShare(before, cpu.snapshot());
    const requests = Math.max(1, m.ok + m.failed);
    const perRequest = (key: keyof typeof ticksAfter) => ((ticksAfter[key] - ticksBefore[key]) * MS_PER_TICK) / requests;
    m.cpuMs = { server: perRequest('server'), redis: perRequest('redis'), load: perRequest('load') };
    if (redis && callsBefore) m.redisCalls = difference(await commandCalls(redis), callsBefore);
    return m;
  };
}

/** For runs nobody compares (profiling): no bookkeeping. */
export const unobserved: ScenarioContext['measure'] = (_target, run) => run();
