import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

function quiet(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    return ((err as { stdout?: string }).stdout ?? '').trim();
  }
}

export function machineDescription(): string {
  const cores = cpus();
  return `${cores.length} CPUs (${cores[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The commit measured, and whether the working tree differed from it. */
export function gitDescription(): string {
  const commit = quiet('git', ['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = quiet('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  return `${commit}${dirty ? ' plus uncommitted changes' : ''}`;
}

export function softwareVersions(redisVersion: string): { oidcProvider: string; wrk: string; redis: string } {
  const wrk = /wrk (\S+)/.exec(quiet('wrk', ['-v']))?.[1] ?? 'unknown';
  return { oidcProvider: packageVersion('oidc-provider'), wrk, redis: redisVersion };
}

/** How this run was asked for, to put in the report. */
export function commandLine(argv: string[]): string {
  return `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
}
