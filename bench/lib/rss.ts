import { readFileSync, readdirSync } from 'node:fs';

const SAMPLE_EVERY_MS = 500;

export interface ProcessPeak {
  group: string;
  pid: number;
  role: string;
  /** peak resident set (VmHWM), kB */
  peakKb: number;
}

function parentOf(pid: number): number | undefined {
  try {
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")"
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every process' children, from one pass over /proc (it reads a file per process on the machine). */
export function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const siblings = children.get(parent);
    if (siblings) siblings.push(pid);
    else children.set(parent, [pid]);
  }
  return children;
}

/** The root and all its descendants (cluster workers are children of the primary). */
export function processTree(root: number, children = childrenByParent()): number[] {
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function peakKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status) ?? /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples the kernel's peak RSS (VmHWM) of each process group's tree while the run goes on:
 * VmHWM is already a peak, so sampling is only needed to see workers that come and go.
 */
export class RssSampler {
  readonly #groups = new Map<string, number>();
  readonly #peaks = new Map<number, ProcessPeak>();
  #timer: NodeJS.Timeout | undefined;

  watch(group: string, rootPid: number): void {
    this.#groups.set(group, rootPid);
    this.sample();
  }

  start(): void {
    this.#timer ??= setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    this.sample();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  sample(): void {
    // this runs in the load generator's process during timed runs: one pass over /proc for all groups
    const children = childrenByParent();
    for (const [group, root] of this.#groups) {
      for (const pid of processTree(root, children)) {
        const kb = peakKb(pid);
        if (kb === undefined) continue;
        const known = this.#peaks.get(pid);
        const role = pid === root ? 'main' : 'worker';
        this.#peaks.set(pid, { group, pid, role, peakKb: Math.max(kb, known?.peakKb ?? 0) });
      }
    }
  }

  peaks(): ProcessPeak[] {
    return [...this.#peaks.values()];
  }
}
