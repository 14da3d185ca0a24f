/**
 * `npm run bench`: Valtuus against a bare node-oidc-provider, side by side on loopback.
 * See bench/README.md for what is measured and how.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateSigningJwks } from '../server/signing_keys.ts';
import { parseBenchArgs, USAGE, type BenchOptions } from './lib/args.ts';
import { CpuMeter } from './lib/cpu.ts';
import { commandLine, gitDescription, machineDescription, softwareVersions } from './lib/environment.ts';
import { installCleanup, isStopping, stopAll } from './lib/processes.ts';
import { accessTokenMemory, startPrivateRedis, type PrivateRedis } from './lib/redis.ts';
import { goalResults, renderReport, type Cell, type Report, type ScenarioResult, type TargetId } from './lib/report.ts';
import { observer } from './lib/observe.ts';
import { RssSampler } from './lib/rss.ts';
import { runProfile } from './profile.ts';
import { authorizationCode, clientCredentials, introspection, NotAvailable, refreshToken } from './scenarios/index.ts';
import type { PreparedScenario, Scenario, ScenarioContext } from './scenarios/index.ts';
import { startTestCluster } from '../test/support/redis_cluster.ts';
import { startBaselineOrExplain, startValtuusOrExplain } from './targets/start.ts';
import { buildServers } from './lib/build.ts';
import type { Target } from './targets/types.ts';

const ALL_SCENARIOS: Scenario[] = [clientCredentials, refreshToken, introspection, authorizationCode];
const TMP_DIR = join('bench', 'tmp', `run-${process.pid}`);

interface Slot {
  scenario: Scenario;
  target: Target;
  cell: Cell;
  prepared?: PreparedScenario | undefined;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function selectScenarios(ids: string[] | undefined): Scenario[] {
  if (!ids) return ALL_SCENARIOS;
  const unknown = ids.filter((id) => !ALL_SCENARIOS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${ALL_SCENARIOS.map((s) => s.id).join(', ')}`);
  return ALL_SCENARIOS.filter((s) => ids.includes(s.id));
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function prepare(slot: Slot, ctx: ScenarioContext): Promise<void> {
  if (isStopping()) return;
  try {
    slot.prepared = await slot.scenario.prepare(slot.target, ctx);
  } catch (err) {
    if (isStopping()) return;
    if (err instanceof NotAvailable) slot.cell.unavailable = err.message;
    else slot.cell.failure = `preparing: ${describeError(err)}`;
    log(
      `  ${slot.scenario.id} on ${slot.target.label}: ${slot.cell.unavailable ? 'not available' : 'failed'}: ${slot.cell.unavailable ?? slot.cell.failure}`,
    );
  }
}

/** One timed run; a run that breaks takes its slot out of the remaining rounds. */
async function runOnce(slot: Slot, seconds: number, record: boolean): Promise<void> {
  if (!slot.prepared || isStopping()) return;
  try {
    const m = await slot.prepared.run(seconds);
    if (record) slot.cell.runs.push(m);
    const rate = `${m.rate.toFixed(0)} ${slot.scenario.unit}`.padStart(14);
    const latency = `p50 ${m.p50Ms.toFixed(2)} ms  p99 ${m.p99Ms.toFixed(2)} ms`;
    log(
      `  ${slot.scenario.id.padEnd(19)} ${slot.target.label.padEnd(14)} ${rate}  ${latency}  (others: ${(100 * (m.othersCpu ?? 0)).toFixed(0)}% CPU)`,
    );
    for (const note of m.notes) log(`      ${note}`);
  } catch (err) {
    if (isStopping()) return; // the servers went away because we stopped them
    slot.cell.failure = describeError(err);
    slot.prepared = undefined;
    log(`  ${slot.scenario.id} on ${slot.target.label} failed: ${slot.cell.failure}`);
  }
}

function secondsFor(scenario: Scenario, options: BenchOptions): number {
  return scenario === authorizationCode ? options.flowDuration : options.duration;
}

/** Scenario after scenario, each on every server; the order of the servers turns each round. */
async function measure(slots: Slot[][], options: BenchOptions): Promise<void> {
  log(`warm-up (${options.warmup} s each)`);
  for (const group of slots) for (const slot of group) await runOnce(slot, options.warmup, false);
  for (let round = 0; round < options.rounds; round++) {
    log(`round ${round + 1} of ${options.rounds}`);
    for (const [i, group] of slots.entries()) {
      const turn = (round + i) % group.length;
      const ordered = [...group.slice(turn), ...group.slice(0, turn)];
      for (const slot of ordered) await runOnce(slot, secondsFor(slot.scenario, options), true);
    }
  }
}

async function tokenMemory(redis: PrivateRedis): Promise<Pick<Report, 'memory' | 'memoryNote'>> {
  try {
    return { memory: await accessTokenMemory(redis.client) };
  } catch (err) {
    return { memory: undefined, memoryNote: describeError(err) };
  }
}

function settingsLine(options: BenchOptions): string {
  return (
    `${options.rounds} rounds × ${options.duration} s per scenario and server (code flow: ${options.flowDuration} s), after ${options.warmup} s of warm-up; ` +
    `wrk -t${options.threads} -c${options.connections}; ${options.flowConcurrency} concurrent scripted customers; medians over the rounds`
  );
}

async function bench(argv: string[], options: BenchOptions): Promise<void> {
  const started = Date.now();
  const scenarios = selectScenarios(options.scenarios);
  mkdirSync(TMP_DIR, { recursive: true });
  const jwks = generateSigningJwks();
  // each Valtuus on a Redis of its own, so that commands and Redis CPU are its alone
  const [redis, redis1] = await Promise.all([startPrivateRedis(), startPrivateRedis()]);
  log(`redis-server ${redis.url} (pid ${redis.process.pid}) and ${redis1.url} (pid ${redis1.process.pid})`);
  // or both on one private Cluster, under prefixes of their own (its commands and CPU are then not told apart)
  const cluster = options.store === 'cluster' ? await startTestCluster() : undefined;
  if (cluster) log(`Redis Cluster ${cluster.url}`);
  const workers = Number(process.env.WEB_CONCURRENCY) || availableParallelism();
  log('building both servers (tsc): they run compiled, as the Procfile runs Valtuus');
  const entries = buildServers(process.cwd()); // main() changed to the repository root
  const [valtuus, valtuus1, baseline] = await Promise.all([
    startValtuusOrExplain({
      ...(cluster ? { redisUrl: cluster.url, keyPrefix: 'valtuus-n:' } : { redisUrl: redis.url, redisPid: redis.process.pid }),
      jwks,
      customers: options.customers,
      log,
      workers,
      entry: entries.valtuus,
      label: `Valtuus (${workers} workers)`,
    }),
    startValtuusOrExplain({
      ...(cluster ? { redisUrl: cluster.url, keyPrefix: 'valtuus-1:' } : { redisUrl: redis1.url, redisPid: redis1.process.pid }),
      jwks,
      customers: options.customers,
      log,
      workers: 1,
      entry: entries.valtuus,
      id: 'valtuus1',
      label: 'Valtuus (1 worker)',
    }),
    startBaselineOrExplain({ jwks, entry: entries.baseline }),
  ]);
  const targets: Target[] = [valtuus, valtuus1, baseline];
  log(`Valtuus ${valtuus.url || '(not running)'} and ${valtuus1.url || '(not running)'}; oidc-provider ${baseline.url || '(not running)'}`);

  const sampler = new RssSampler();
  for (const target of targets) if (target.pid) sampler.watch(target.label, target.pid);
  sampler.watch("redis-server (Valtuus' store)", redis.process.pid);
  sampler.watch("redis-server (1-worker Valtuus' store)", redis1.process.pid);
  sampler.start();

  try {
    const ctx: ScenarioContext = {
      load: { connections: options.connections, threads: options.threads },
      flowConcurrency: options.flowConcurrency,
      tmpDir: TMP_DIR,
      log,
      measure: observer(
        new CpuMeter(() => [...targets.map((t) => t.pid), redis.process.pid, redis1.process.pid].filter((pid) => pid !== undefined)),
        (id) => (cluster ? undefined : id === 'valtuus' ? redis.client : id === 'valtuus1' ? redis1.client : undefined),
      ),
    };
    if (options.preloadTokens || options.preloadClients) {
      for (const target of [valtuus, valtuus1]) {
        log(`preloading ${target.label}: ${options.preloadTokens} tokens, ${options.preloadClients} clients`);
        const seconds = await target.preload?.(options.preloadTokens, options.preloadClients);
        log(`  done in ${seconds?.toFixed(0)} s`);
      }
    }
    const slots = scenarios.map((scenario) => targets.map((target): Slot => ({ scenario, target, cell: { runs: [] } })));
    log('preparing scenarios');
    for (const pair of slots) for (const slot of pair) await prepare(slot, ctx);
    await measure(slots, options);
    sampler.stop();
    if (isStopping()) return; // interrupted: no half a report over the last full one

    const redisVersion = /redis_version:(\S+)/.exec(await redis.client.info('server'))?.[1] ?? 'unknown';
    const versions = softwareVersions(redisVersion);
    const report: Report = {
      date: new Date(started),
      elapsedSeconds: (Date.now() - started) / 1000,
      command: commandLine(argv),
      settings: settingsLine(options),
      machine: machineDescription(),
      software: [
        `Valtuus: commit ${gitDescription()}, \`node dist/server/index.js\` (built by the harness), WEB_CONCURRENCY ${workers} and 1, ${cluster ? `both on one private 3-master Redis Cluster (redis-server ${versions.redis}), under key prefixes of their own` : `each on a private redis-server ${versions.redis}`}`,
        ...(options.preloadTokens || options.preloadClients
          ? [
              `store preloaded, for each Valtuus, with ${options.preloadTokens} live client-credentials tokens and ${options.preloadClients} registered clients`,
            ]
          : []),
        `baseline: oidc-provider ${versions.oidcProvider} (bench/baseline/server.ts): one process, its default in-memory adapter (an LRU of 1000 entries, which can forget a grant under load), opaque tokens, devInteractions login (no password hash, no second factor)`,
        `load: wrk ${versions.wrk} (bench/wrk/form_post.lua); the code flow by bench/lib/code_flow.ts`,
      ],
      labels: { valtuus: valtuus.label, valtuus1: valtuus1.label, baseline: baseline.label },
      results: slots.map(([v, v1, b]): ScenarioResult => ({
        scenario: v!.scenario,
        cells: { valtuus: v!.cell, valtuus1: v1!.cell, baseline: b!.cell } as Record<TargetId, Cell>,
      })),
      peaks: sampler.peaks(),
      ...(await tokenMemory(redis)),
    };
    const markdown = renderReport(report);
    writeFileSync(options.out, markdown);
    process.stdout.write(`\n${markdown}\nwritten to ${options.out}\n`);
    const missed = goalResults(report).filter((g) => !g.met);
    if (options.check && missed.length) {
      log(`bench --check: ${missed.length} goal(s) missed: ${missed.map((g) => g.name).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    sampler.stop();
    await Promise.all(targets.map((t) => t.close().catch(() => undefined)));
    redis.client.disconnect();
    redis1.client.disconnect();
    await cluster?.stop();
  }
}

async function main(): Promise<void> {
  process.chdir(fileURLToPath(new URL('..', import.meta.url))); // paths below are relative to the repository
  const argv = process.argv.slice(2);
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  installCleanup();
  process.on('exit', () => rmSync(TMP_DIR, { recursive: true, force: true }));
  try {
    if (options.profile) await runProfile(options, log);
    else await bench(argv, options);
  } finally {
    await stopAll();
    rmSync(TMP_DIR, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
