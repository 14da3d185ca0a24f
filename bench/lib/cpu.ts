import { readFileSync } from 'node:fs';

import { childrenByParent, processTree } from './rss.ts';

/** CPU time in clock ticks: the whole machine's (busy and all) and that of the harness' own processes. */
export interface CpuSnapshot {
  total: number;
  busy: number;
  ours: number;
}

function machineTicks(): { total: number; busy: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  // interrupt time is left out of "busy": loopback traffic of our own runs lands there, in no process
  const busy = user! + nice! + system! + steal!;
  return { total: busy + idle! + iowait! + irq! + softirq!, busy };
}

/** utime + stime, plus the children it has reaped (wrk runs, cluster workers that exited). */
export function processTicks(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3 of proc(5)); utime..cstime are fields 14..17
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  } catch {
    return 0;
  }
}

/**
 * Tells how busy the machine was with other work while a run went on. This 2-core machine is
 * shared, and a test suite running next to the benchmark moves its numbers; the report shows
 * that share for each run so a noisy run can be recognised.
 */
export class CpuMeter {
  readonly #roots: () => number[];

  /** roots: the main pids of the processes the harness started (their descendants count too) */
  constructor(roots: () => number[]) {
    this.#roots = roots;
  }

  snapshot(): CpuSnapshot {
    const children = childrenByParent();
    const ours =
      processTicks('self') +
      this.#roots()
        .flatMap((root) => processTree(root, children))
        .reduce((sum, pid) => sum + processTicks(pid), 0);
    return { ...machineTicks(), ours };
  }
}

/** The share of the whole machine (0..1) that other processes used between two snapshots. */
export function othersShare(before: CpuSnapshot, after: CpuSnapshot): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.max(0, after.busy - before.busy - (after.ours - before.ours)) / total;
}
