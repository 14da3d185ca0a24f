import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * Both servers run as compiled JavaScript, as production runs Valtuus (the Procfile's
 * `node dist/server/index.js`): Node's type stripping keeps its compiler in memory, which
 * would add to every process' RSS what no deployment has.
 */
export function buildServers(root: string): { valtuus: string; baseline: string } {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [tsc, '-p', join(root, 'bench/tsconfig.baseline.json')], { cwd: root, stdio: 'inherit' });
  return { valtuus: 'dist/server/index.js', baseline: 'bench/tmp/build/bench/baseline/server.js' };
}
