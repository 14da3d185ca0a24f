import { randomBytes } from 'node:crypto';

import { expect } from 'chai';
import type { Redis } from 'ioredis';

export interface Seen {
  args: string[];
  /** `lua` for commands a script ran */
  source: string;
  /** which of the watched masters ran it */
  node: number;
}

/** Records what one node executes for keys under `prefix` until it echoes `marker`. */
function record(monitor: Redis, node: number, prefix: string, marker: string): { seen: Seen[]; ended: Promise<void> } {
  const seen: Seen[] = [];
  const ended = new Promise<void>((resolve) => {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args.includes(marker)) resolve();
      else if (args.some((arg) => arg.startsWith(prefix))) seen.push({ args, source, node });
    });
  });
  return { seen, ended };
}

/**
 * A MONITOR connection. ioredis reports other clients' lines that arrive together with MONITOR's
 * own OK (and any still arriving after the disconnect) as "Command queue state error": those lines
 * fall outside the action watched, so the errors are ignored.
 */
async function openMonitor(node: Redis): Promise<Redis> {
  const monitor = node.duplicate({ monitor: true, lazyConnect: true });
  monitor.on('error', () => {});
  const monitoring = new Promise((resolve) => monitor.once('monitoring', resolve));
  try {
    await monitor.connect();
  } catch (err) {
    monitor.disconnect();
    throw err;
  }
  await monitoring;
  return monitor;
}

/** The commands every given master executed for keys under `prefix` while `action` ran (MONITOR). */
export async function commandsDuring(masters: Redis[], prefix: string, action: () => Promise<unknown>): Promise<Seen[]> {
  const marker = `marker-${randomBytes(6).toString('hex')}`;
  const opened = await Promise.allSettled(masters.map(openMonitor));
  const monitors = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    for (const result of opened) if (result.status === 'rejected') throw result.reason;
    const recordings = monitors.map((monitor, node) => record(monitor, node, prefix, marker));
    await action();
    // MONITOR is ordered: once the marker shows, everything the node ran before it has
    await Promise.all(masters.map((node) => node.echo(marker)));
    await Promise.all(recordings.map(({ ended }) => ended));
    return recordings.flatMap(({ seen }) => seen);
  } finally {
    for (const monitor of monitors) monitor.disconnect();
  }
}

/**
 * Asserts that each command's keys (as Redis itself reads them: COMMAND GETKEYS) fall in one
 * hash slot, as `slotOf` computes it; returns how many commands were checked.
 */
export async function expectOneSlotEach(seen: Seen[], node: Redis, slotOf: (key: string) => Promise<number | string>): Promise<number> {
  for (const { args } of seen) {
    const keys = (await node.call('COMMAND', 'GETKEYS', ...args)) as string[];
    const slots = new Set(await Promise.all(keys.map(slotOf)));
    expect(slots.size, args.slice(0, 4).join(' ')).to.be.at.most(1);
  }
  return seen.length;
}
