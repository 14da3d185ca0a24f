import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { generateSigningJwks } from '../server/signing_keys.ts';
import type { BenchOptions } from './lib/args.ts';
import { unobserved } from './lib/observe.ts';
import { loadProfiles, renderSummary, summariseProfiles, type Window } from './lib/cpu_profile.ts';
import { commandLine, gitDescription, machineDescription } from './lib/environment.ts';
import { stopProcess } from './lib/processes.ts';
import { startPrivateRedis } from './lib/redis.ts';
import { authorizationCode, clientCredentials, introspection, NotAvailable, refreshToken } from './scenarios/index.ts';
import type { Measurement, Scenario, ScenarioContext } from './scenarios/index.ts';
import { startValtuus } from './targets/valtuus.ts';

const PROFILED: Scenario[] = [clientCredentials, refreshToken, introspection, authorizationCode];
const OUT = 'bench/profile.md';

/** µs on the monotonic clock, as V8 stamps its samples. */
function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface Profiled {
  scenario: Scenario;
  window: Window;
  measurement: Measurement;
}

async function profileScenario(
  scenario: Scenario,
  target: Parameters<Scenario['prepare']>[0],
  ctx: ScenarioContext,
  options: BenchOptions,
): Promise<Profiled | undefined> {
  try {
    const prepared = await scenario.prepare(target, ctx);
    await prepared.run(options.warmup);
    const from = nowUs();
    const measurement = await prepared.run(options.duration);
    const to = nowUs();
    ctx.log(`  ${scenario.id}: ${measurement.rate.toFixed(0)} ${scenario.unit}, p99 ${measurement.p99Ms.toFixed(1)} ms`);
    return { scenario, window: { from, to }, measurement };
  } catch (err) {
    ctx.log(`  ${scenario.id}: ${err instanceof NotAvailable ? 'not available' : 'failed'}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * `npm run bench -- --profile`: Valtuus alone under `node --cpu-prof` (every cluster worker
 * inherits the flag), one scenario after another; each scenario's self time is read from the
 * samples taken during its timed run only, so start-up and warm-up do not count.
 */
export async function runProfile(options: BenchOptions, log: (m: string) => void): Promise<void> {
  const dir = resolve('bench', 'tmp', `profiles-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const redis = await startPrivateRedis();
  const wanted = options.scenarios ? PROFILED.filter((s) => options.scenarios!.includes(s.id)) : PROFILED;
  const nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const { target, process: server } = await startValtuus({
    redisUrl: redis.url,
    jwks: generateSigningJwks(),
    customers: options.customers,
    nodeFlags,
    log,
  });
  const ctx: ScenarioContext = {
    load: { connections: options.connections, threads: options.threads },
    flowConcurrency: options.flowConcurrency,
    tmpDir: dir,
    log,
    measure: unobserved,
  };
  const done: Profiled[] = [];
  log(`profiling Valtuus (pid ${server.pid}) into ${dir}`);
  for (const scenario of wanted) {
    const result = await profileScenario(scenario, target, ctx, options);
    if (result) done.push(result);
  }
  await target.close();
  // SIGTERM lets the processes exit normally, which is when V8 writes the profiles
  await stopProcess(server);
  redis.client.disconnect();
  const profiles = loadProfiles(dir);
  if (!profiles.length)
    throw new Error('no profiles were written: Valtuus and its workers must exit normally on SIGTERM for --cpu-prof to write');

  const sections = done.map((p) =>
    renderSummary(
      `${p.scenario.title}: ${p.measurement.rate.toFixed(0)} ${p.scenario.unit}, p99 ${p.measurement.p99Ms.toFixed(1)} ms`,
      summariseProfiles(profiles, p.window),
    ),
  );
  const markdown = [
    '# Where Valtuus spends its time',
    '',
    `- date: ${new Date().toISOString()}; machine: ${machineDescription()}`,
    `- command: \`${commandLine(process.argv.slice(2))}\`; Valtuus commit ${gitDescription()}`,
    `- ${options.duration} s per scenario under wrk -t${options.threads} -c${options.connections} (the code flow: ${options.flowConcurrency} scripted customers), after ${options.warmup} s of warm-up; raw profiles in ${dir}`,
    '',
    ...sections,
  ].join('\n');
  writeFileSync(OUT, markdown);
  process.stdout.write(`\n${markdown}\nwritten to ${OUT}\n`);
}
