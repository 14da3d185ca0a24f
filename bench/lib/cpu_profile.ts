import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of V8's .cpuprofile format (what `node --cpu-prof` writes) that are read here. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  /** µs on the monotonic clock V8 and process.hrtime share */
  from: number;
  to: number;
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
}

export interface ProfileSummary {
  profiles: number;
  sampledMs: number;
  idleMs: number;
  functions: SelfTime[];
  packages: SelfTime[];
}

export function loadProfiles(dir: string): CpuProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

/** "oidc-provider/lib/actions/token.js:42", "server/policy/enforcement.ts:17", "node:internal/…". */
function location(url: string, line: number): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  const short = nm >= 0 ? path.slice(nm + '/node_modules/'.length) : path.replace(/^.*?\/(server|adapters|config|bench)\//, '$1/');
  return `${short}:${line + 1}`;
}

/** Where a function lives, coarsely: an npm package, a folder of Valtuus, node itself, or V8. */
function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const own = /\/(server|adapters|config|bench)\//.exec(path);
  return own ? `valtuus ${own[1]}/` : path;
}

/** For a native frame (socket writes, crypto), the package whose JavaScript called it: "via ioredis". */
function nativeCaller(node: ProfileNode, parents: Map<number, ProfileNode>): string {
  for (let p = parents.get(node.id); p; p = parents.get(p.id)) {
    const pkg = packageOf(p);
    if (p.callFrame.url && pkg !== 'node core') return `via ${pkg}`;
  }
  return '';
}

function parentsOf(profile: CpuProfile): Map<number, ProfileNode> {
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  return parents;
}

function add(map: Map<string, SelfTime>, key: string, name: string, where: string, us: number): void {
  const entry = map.get(key) ?? { name, where, ms: 0 };
  entry.ms += us / 1000;
  map.set(key, entry);
}

/** Self time per function and per package over the samples that fall in the window, summed over processes. */
export function summariseProfiles(profiles: readonly CpuProfile[], window: Window, top = 25): ProfileSummary {
  const functions = new Map<string, SelfTime>();
  const packages = new Map<string, SelfTime>();
  let sampledUs = 0;
  let idleUs = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parents = parentsOf(profile);
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      const weight = profile.timeDeltas[i + 1] ?? 0;
      if (t < window.from || t > window.to) continue;
      const node = byId.get(profile.samples[i]!);
      if (!node) continue;
      sampledUs += weight;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idleUs += weight;
        continue;
      }
      const native = !url && !functionName.startsWith('(');
      const where = native ? nativeCaller(node, parents) : location(url, lineNumber);
      add(functions, `${functionName}@${where}`, functionName || '(anonymous)', where, weight);
      const pkg = packageOf(node);
      add(packages, pkg, pkg, '', weight);
    }
  }
  const byTime = (a: SelfTime, b: SelfTime) => b.ms - a.ms;
  return {
    profiles: profiles.length,
    sampledMs: sampledUs / 1000,
    idleMs: idleUs / 1000,
    functions: [...functions.values()].sort(byTime).slice(0, top),
    packages: [...packages.values()].sort(byTime).slice(0, 15),
  };
}

export function renderSummary(title: string, s: ProfileSummary): string {
  const busy = s.sampledMs - s.idleMs;
  const pct = (ms: number) => `${((100 * ms) / (busy || 1)).toFixed(1)}%`;
  return [
    `### ${title}`,
    '',
    `${s.profiles} process profile(s); ${(busy / 1000).toFixed(1)} s of CPU sampled in the window (${(s.idleMs / 1000).toFixed(1)} s idle). Shares are of the busy time.`,
    '',
    '| self time | share | package |',
    '|---:|---:|---|',
    ...s.packages.map((p) => `| ${p.ms.toFixed(0)} ms | ${pct(p.ms)} | ${p.name} |`),
    '',
    '| self time | share | function | where |',
    '|---:|---:|---|---|',
    ...s.functions.map((f) => `| ${f.ms.toFixed(0)} ms | ${pct(f.ms)} | \`${f.name}\` | ${f.where} |`),
    '',
  ].join('\n');
}
