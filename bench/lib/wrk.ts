import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Measurement } from '../scenarios/types.ts';
import { startProcess, stopProcess } from './processes.ts';

const script = (name: string) => fileURLToPath(new URL(`../wrk/${name}`, import.meta.url));

export interface LoadSettings {
  connections: number;
  threads: number;
}

export interface WrkLoad {
  /** form_post.lua: send `lines` (form bodies) round and round; refresh_chain.lua: `lines` are seed refresh tokens */
  script: 'form_post.lua' | 'refresh_chain.lua';
  baseUrl: string;
  path: string;
  authorization: string;
  lines: readonly string[];
  /** where the lines are written for the script to read */
  linesFile: string;
  seconds: number;
}

interface WrkResult {
  requests: number;
  ok: number;
  idle: number;
  duration_us: number;
  socket_errors: number;
  timeouts: number;
  p50_us: number;
  p99_us: number;
  non200: Record<string, number>;
  first_error: string;
}

function toMeasurement(r: WrkResult): Measurement {
  const non200 = Object.values(r.non200).reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  if (non200)
    notes.push(
      `non-200 answers: ${Object.entries(r.non200)
        .map(([status, n]) => `${n}×${status}`)
        .join(', ')}`,
    );
  if (r.first_error) notes.push(`first: ${r.first_error.replace(/\s+/g, ' ').slice(0, 160)}`);
  if (r.socket_errors || r.timeouts) notes.push(`socket errors: ${r.socket_errors}, timeouts (5 s): ${r.timeouts}`);
  if (r.idle) notes.push(`${r.idle} idle requests after refresh chains broke: rate understated`);
  return {
    rate: r.ok / (r.duration_us / 1e6),
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    ok: r.ok,
    failed: non200 + r.socket_errors + r.timeouts,
    notes,
  };
}

/** One wrk run against one server; resolves with what the script counted and wrk's latency percentiles. */
export async function runWrk(load: WrkLoad, settings: LoadSettings): Promise<Measurement> {
  writeFileSync(load.linesFile, `${load.lines.join('\n')}\n`);
  const args = [
    `-t${settings.threads}`,
    `-c${settings.connections}`,
    `-d${load.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    script(load.script),
    load.baseUrl,
  ];
  const env = {
    ...process.env,
    BENCH_PATH: load.path,
    BENCH_AUTH: load.authorization,
    BENCH_LINES: load.linesFile,
    BENCH_THREADS: String(settings.threads),
    BENCH_REPORT: script('report.lua'),
  };
  const wrk = startProcess('wrk', 'wrk', args, { env });
  const exit = await wrk.exited;
  await stopProcess(wrk, 0);
  const line = wrk
    .output()
    .split('\n')
    .find((l) => l.startsWith('BENCH_RESULT '));
  if (exit.code !== 0 || !line) throw new Error(`wrk failed (exit ${exit.code}): ${wrk.output().trim().slice(-400)}`);
  return toMeasurement(JSON.parse(line.slice('BENCH_RESULT '.length)) as WrkResult);
}
