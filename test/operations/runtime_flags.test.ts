import { readFileSync } from 'node:fs';

import { expect } from 'chai';

import { startValtuusProcess, type ValtuusProcess } from '../support/valtuus_process.ts';

/** The process's command line, as the kernel has it after any re-execution. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

describe('runtime flags (server/index.ts): the primary and every worker run with the memory and context flags', () => {
  let valtuus: ValtuusProcess | undefined;
  after(async () => valtuus?.stop());

  it('`node server/index.ts` without flags ends up, in the same pid, with the semi-space and heap-growth limits, and so do its workers', async () => {
    valtuus = await startValtuusProcess({ redisKeyPrefix: 'flags:', workers: 2 });
    const primary = valtuus.child.pid!;
    const workers = childrenOf(primary);
    expect(workers).to.have.length(2);
    for (const pid of [primary, ...workers]) {
      const argv = commandLine(pid);
      expect(argv, `pid ${pid}`).to.include.members(['--max-semi-space-size=8', '--heap-growing-percent=200']);
      if (Number(process.versions.node.split('.')[0]) < 24) expect(argv, `pid ${pid}`).to.include('--experimental-async-context-frame');
    }
  });
});
