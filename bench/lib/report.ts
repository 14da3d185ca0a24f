import type { Measurement, Scenario } from '../scenarios/types.ts';
import type { TokenMemory } from './redis.ts';
import type { ProcessPeak } from './rss.ts';
import { median } from './stats.ts';

export type TargetId = 'valtuus' | 'valtuus1' | 'baseline';
const ALL: readonly TargetId[] = ['valtuus', 'valtuus1', 'baseline'];

/** Everything measured for one scenario on one server. */
export interface Cell {
  runs: Measurement[];
  /** why the scenario could not run on this server */
  unavailable?: string;
  /** a run that broke (not a missing feature) */
  failure?: string;
}

export interface ScenarioResult {
  scenario: Scenario;
  cells: Record<TargetId, Cell>;
}

export interface Report {
  date: Date;
  elapsedSeconds: number;
  command: string;
  settings: string;
  machine: string;
  software: string[];
  labels: Record<TargetId, string>;
  results: ScenarioResult[];
  peaks: ProcessPeak[];
  memory: TokenMemory | undefined;
  memoryNote?: string;
}

interface Summary {
  rate: number;
  p50: number;
  p99: number;
}

/** Medians over the rounds: one noisy run does not move them. */
export function summarise(cell: Cell): Summary | undefined {
  if (!cell.runs.length) return undefined;
  return {
    rate: median(cell.runs.map((r) => r.rate)),
    p50: median(cell.runs.map((r) => r.p50Ms)),
    p99: median(cell.runs.map((r) => r.p99Ms)),
  };
}

const rate = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));
const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : '—');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function why(cell: Cell): string {
  if (cell.unavailable) return `not available: ${cell.unavailable}`;
  return `failed: ${cell.failure ?? 'no run completed'}`;
}

function cellColumns(cell: Cell, unit: string): string[] {
  const s = summarise(cell);
  return s ? [`${rate(s.rate)} ${unit}`, ms(s.p50), ms(s.p99)] : [why(cell), '—', '—'];
}

function ratio(result: ScenarioResult, id: 'valtuus' | 'valtuus1' = 'valtuus'): number | undefined {
  const v = summarise(result.cells[id]);
  const b = summarise(result.cells.baseline);
  return v && b && b.rate > 0 ? v.rate / b.rate : undefined;
}

const times = (r: number | undefined) => (r === undefined ? 'n/a' : `${r.toFixed(2)}×`);

export function mainTable(report: Report): string {
  const { valtuus, valtuus1, baseline } = report.labels;
  const lines = [
    `| scenario | ${valtuus} | p50 | p99 | ${valtuus1} | p50 | p99 | ${baseline} | p50 | p99 | ${valtuus}/baseline | ${valtuus1}/baseline |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of report.results) {
    const { unit } = result.scenario;
    const cols = [
      ...ALL.flatMap((id) => cellColumns(result.cells[id], unit)),
      times(ratio(result, 'valtuus')),
      times(ratio(result, 'valtuus1')),
    ];
    lines.push(`| ${result.scenario.title} | ${cols.join(' | ')} |`);
  }
  return lines.join('\n');
}

const cpu = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(3));

/** Median CPU ms per request of each process of a run: the cost that does not depend on how busy the machine was. */
function cpuCost(cell: Cell): { server: number; redis: number; load: number } | undefined {
  const runs = cell.runs.filter((r) => r.cpuMs);
  if (!runs.length) return undefined;
  return {
    server: median(runs.map((r) => r.cpuMs!.server)),
    redis: median(runs.map((r) => r.cpuMs!.redis)),
    load: median(runs.map((r) => r.cpuMs!.load)),
  };
}

export function cpuTable(report: Report): string {
  const lines = [
    '| scenario | server | server CPU ms/req | its Redis CPU ms/req | load generator CPU ms/req | server+Redis vs baseline server |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const result of report.results) {
    const base = cpuCost(result.cells.baseline);
    for (const id of ALL) {
      const c = cpuCost(result.cells[id]);
      if (!c) continue;
      const vs = id !== 'baseline' && base && base.server > 0 ? `${((c.server + c.redis) / base.server).toFixed(2)}×` : '';
      lines.push(
        `| ${result.scenario.id} | ${report.labels[id]} | ${cpu(c.server)} | ${id === 'baseline' ? '—' : cpu(c.redis)} | ${cpu(c.load)} | ${vs} |`,
      );
    }
  }
  return lines.join('\n');
}

const percent = (share: number | undefined) => (share === undefined ? '—' : `${(100 * share).toFixed(0)}%`);

/** Each round's rate over the baseline's in the same round: runs close in time share the machine's mood. */
function roundRatios(result: ScenarioResult, id: 'valtuus' | 'valtuus1'): string {
  const v = result.cells[id].runs;
  const b = result.cells.baseline.runs;
  if (!v.length || v.length !== b.length) return '—';
  return v.map((run, i) => `${(run.rate / b[i]!.rate).toFixed(2)}×`).join(' / ');
}

function roundsTable(report: Report): string {
  const lines = [
    "| scenario | server | rate per round | p99 per round | other processes' CPU per round | ratio to the baseline per round |",
    '|---|---|---|---|---|---|',
  ];
  for (const result of report.results) {
    for (const id of ALL) {
      const runs = result.cells[id].runs;
      if (!runs.length) continue;
      const cols = [
        result.scenario.id,
        report.labels[id],
        runs.map((r) => rate(r.rate)).join(' / '),
        runs.map((r) => ms(r.p99Ms)).join(' / '),
        runs.map((r) => percent(r.othersCpu)).join(' / '),
        id === 'baseline' ? '' : roundRatios(result, id),
      ];
      lines.push(`| ${cols.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

export interface GoalResult {
  name: string;
  met: boolean;
  line: string;
}

function ratioGoal(report: Report, scenario: string, id: 'valtuus' | 'valtuus1', minRatio: number, maxP99?: number): GoalResult {
  const label = report.labels[id];
  const name = `${scenario}, ${label} ≥ ${minRatio}× baseline${maxP99 ? `, p99 ≤ ${maxP99} ms` : ''}`;
  const result = report.results.find((r) => r.scenario.id === scenario);
  const r = result && ratio(result, id);
  if (!result || r === undefined) return { name, met: false, line: `- ${name}: not measured` };
  const p99 = summarise(result.cells[id])!.p99;
  const met = r >= minRatio && (maxP99 === undefined || p99 <= maxP99);
  const noted = ALL.some((t) => result.cells[t].runs.some((run) => run.notes.length));
  return {
    name,
    met,
    line: `- ${name}: ${r.toFixed(2)}×${maxP99 ? `, p99 ${ms(p99)}` : ''} — ${met ? 'met' : 'NOT met'}${noted ? ' (see Notes)' : ''}`,
  };
}

function rateGoal(report: Report, scenario: string, minRate: number): GoalResult {
  const label = report.labels.valtuus;
  const name = `${scenario}, ${label} ≥ ${minRate}/s with README's password hash`;
  const s = summarise(report.results.find((r) => r.scenario.id === scenario)?.cells.valtuus ?? { runs: [] });
  if (!s) return { name, met: false, line: `- ${name}: not measured` };
  const met = s.rate >= minRate;
  return { name, met, line: `- ${name}: ${rate(s.rate)}/s — ${met ? 'met' : 'NOT met'}` };
}

/** The goals of README "Performance", each met or not. */
export function goalResults(report: Report): GoalResult[] {
  const bytes = report.memory?.medianBytes;
  const memoryName = '≤ 600 bytes of Redis per stored access token';
  return [
    ratioGoal(report, 'client_credentials', 'valtuus', 1.5, 25),
    ratioGoal(report, 'client_credentials', 'valtuus1', 1.0),
    ratioGoal(report, 'refresh_token', 'valtuus', 1.3),
    ratioGoal(report, 'refresh_token', 'valtuus1', 0.9),
    ratioGoal(report, 'introspection', 'valtuus', 1.3),
    ratioGoal(report, 'introspection', 'valtuus1', 0.9),
    rateGoal(report, 'authorization_code', 60),
    {
      name: memoryName,
      met: bytes !== undefined && bytes <= 600,
      line: `- ${memoryName}: ${bytes === undefined ? 'not measured' : `${bytes} B — ${bytes <= 600 ? 'met' : 'NOT met'}`}`,
    },
  ];
}

function goals(report: Report): string {
  return goalResults(report)
    .map((g) => g.line)
    .join('\n');
}

export function processTable(report: Report): string {
  const lines = ['| process | pid | role | peak RSS |', '|---|---:|---|---:|'];
  const groups = [...new Set(report.peaks.map((p) => p.group))];
  for (const group of groups) {
    const peaks = report.peaks.filter((p) => p.group === group).sort((a, b) => a.pid - b.pid);
    for (const p of peaks) lines.push(`| ${group} | ${p.pid} | ${p.role} | ${mb(p.peakKb)} |`);
    if (peaks.length > 1)
      lines.push(`| **${group}, all ${peaks.length} processes** | | | **${mb(peaks.reduce((a, p) => a + p.peakKb, 0))}** |`);
  }
  return lines.join('\n');
}

/** Redis commands per request (or per flow) on Valtuus, summed over its timed runs. */
function redisCallsTable(report: Report): string {
  const lines = ['| scenario | Redis commands per request | by command |', '|---|---:|---|'];
  for (const result of report.results) {
    const runs = [...result.cells.valtuus.runs, ...result.cells.valtuus1.runs].filter((r) => r.redisCalls);
    // a failed flow stopped part way: commands are counted per completed flow, but per request answered
    const flows = result.scenario.id === 'authorization_code';
    const requests = runs.reduce((n, r) => n + r.ok + (flows ? 0 : r.failed), 0);
    if (!requests) continue;
    const calls: Record<string, number> = {};
    for (const run of runs) for (const [command, n] of Object.entries(run.redisCalls!)) calls[command] = (calls[command] ?? 0) + n;
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    const by = Object.entries(calls)
      .sort((a, b) => b[1] - a[1])
      .map(([command, n]) => `${command} ${(n / requests).toFixed(2)}`)
      .join(', ');
    lines.push(`| ${result.scenario.id} | ${(total / requests).toFixed(2)} | ${by} |`);
  }
  return lines.length > 2 ? lines.join('\n') : '- not measured';
}

function memoryLine(report: Report): string {
  const m = report.memory;
  if (!m) return `- not measured: ${report.memoryNote ?? 'no access-token keys found'}`;
  return `- **${m.medianBytes} bytes per stored access token**: median \`MEMORY USAGE\` of ${m.sampled} sampled \`${m.pattern}\` keys (${m.keys} such keys in Valtuus' Redis after the runs)`;
}

function notes(report: Report): string {
  const lines: string[] = [];
  for (const result of report.results) {
    for (const id of ALL) {
      result.cells[id].runs.forEach((run, i) => {
        for (const note of run.notes) lines.push(`- ${result.scenario.id}, ${report.labels[id]}, run ${i + 1}: ${note}`);
      });
    }
  }
  return lines.length ? lines.join('\n') : '- none: every request answered 200';
}

/** The whole report as Markdown: printed to the terminal and written to bench/results.md. */
function othersLine(report: Report): string {
  const shares = report.results.flatMap((r) => ALL.flatMap((id) => r.cells[id].runs)).map((m) => m.othersCpu ?? NaN);
  const worst = Math.max(...shares.filter(Number.isFinite));
  return (
    `- other processes on the machine (not started by the harness) used a median ${percent(median(shares))} of its CPU during the timed runs ` +
    `(worst run ${percent(Number.isFinite(worst) ? worst : undefined)}); see "Rounds"`
  );
}

export function renderReport(report: Report): string {
  return [
    '# Valtuus benchmark',
    '',
    `- date: ${report.date.toISOString()} (took ${Math.round(report.elapsedSeconds)} s)`,
    `- machine: ${report.machine}`,
    `- command: \`${report.command}\``,
    `- settings: ${report.settings}`,
    ...report.software.map((s) => `- ${s}`),
    othersLine(report),
    '',
    mainTable(report),
    '',
    'Rates are medians over the rounds of successful (HTTP 200) requests per second, or completed flows per second; p50/p99 are',
    "medians of each run's latency percentiles (wrk's, or the flow client's for whole flows).",
    '',
    '## CPU time per request',
    '',
    'CPU time (user + system, from /proc) each process spent per successful or failed request (or flow) during the timed runs,',
    'medians over the rounds: a cost per request that does not depend on how busy the machine was. "server" is the server\'s',
    'processes (the primary and its workers); the load generator is wrk (or the scripted flow client) and the harness.',
    '',
    cpuTable(report),
    '',
    '## Goals',
    '',
    goals(report),
    '',
    '## Peak memory (VmHWM)',
    '',
    processTable(report),
    '',
    '## Redis',
    '',
    memoryLine(report),
    '',
    'Commands Redis ran for Valtuus during the timed runs, per request (or per flow), from `INFO commandstats`. The counts include',
    'the commands run inside Lua scripts: each `evalsha`/`eval` is one round trip, the commands it runs are not.',
    '',
    redisCallsTable(report),
    '',
    '## Rounds',
    '',
    roundsTable(report),
    '',
    '## Notes',
    '',
    notes(report),
    '',
  ].join('\n');
}
