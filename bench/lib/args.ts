import { parseArgs } from 'node:util';

export interface BenchOptions {
  rounds: number;
  /** seconds per wrk run */
  duration: number;
  /** seconds per authorization-code run */
  flowDuration: number;
  warmup: number;
  connections: number;
  threads: number;
  flowConcurrency: number;
  customers: number;
  scenarios: string[] | undefined;
  profile: boolean;
  /** live client-credentials tokens and registered clients written into Valtuus' store before the runs */
  preloadTokens: number;
  preloadClients: number;
  /** where Valtuus keeps its state: a private redis-server each, or one private 3-master Redis Cluster */
  store: 'single' | 'cluster';
  /** exit non-zero when a goal is missed (for use by hand, not in CI) */
  check: boolean;
  out: string;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

Starts Valtuus (on a private redis-server) and a bare node-oidc-provider side by side on
loopback, warms both up, alternates timed runs of each scenario, and prints and writes
(bench/results.md) a table of medians.

  --rounds N            timed runs per scenario and server (default 3)
  --duration S          seconds per wrk run (default 8)
  --flow-duration S     seconds per authorization-code run (default 5)
  --warmup S            seconds of warm-up per scenario and server (default 3)
  --connections N       wrk connections (default 50)
  --threads N           wrk threads (default 2)
  --flow-concurrency N  simultaneous scripted customers (default 10)
  --customers N         Valtuus customers to create; each logs in once per TOTP step (default 200)
  --scenarios LIST      comma-separated subset of client_credentials,refresh_token,introspection,authorization_code
  --preload-tokens N    write N live client-credentials tokens into Valtuus' store first (scale: e.g. 1000000)
  --preload-clients N   register N clients first (scale: e.g. 10000)
  --store cluster       Valtuus' store on a private 3-master Redis Cluster instead of one redis-server
  --profile             instead: run Valtuus alone under node --cpu-prof and summarise where time goes
  --check               exit 1 when a goal of the report is missed (by hand, not in CI: the
                        machine's load moves the ratios)
  --out FILE            where to write the table (default bench/results.md)
  --quick               1 round of 3 s, 1 s warm-up: a smoke test with rough numbers,
                        written to bench/tmp/results-quick.md unless --out says otherwise
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${value}")`);
  return n;
}

function storeKind(value: string | undefined): 'single' | 'cluster' {
  if (value === undefined || value === 'single' || value === 'cluster') return value ?? 'single';
  throw new Error(`--store must be single or cluster (got "${value}")`);
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      'flow-duration': { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      'flow-concurrency': { type: 'string' },
      customers: { type: 'string' },
      scenarios: { type: 'string' },
      profile: { type: 'boolean' },
      'preload-tokens': { type: 'string' },
      'preload-clients': { type: 'string' },
      store: { type: 'string' },
      check: { type: 'boolean' },
      out: { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const quick = values.quick === true;
  // a run on a large or clustered store is compared with the small-store run, not written over it
  const scaled = Boolean(values['preload-tokens'] || values['preload-clients'] || values.store === 'cluster');
  return {
    rounds: positiveInt('rounds', values.rounds, quick ? 1 : 3),
    duration: positiveInt('duration', values.duration, quick ? 3 : 8),
    flowDuration: positiveInt('flow-duration', values['flow-duration'], quick ? 3 : 5),
    warmup: positiveInt('warmup', values.warmup, quick ? 1 : 3),
    connections: positiveInt('connections', values.connections, 50),
    threads: positiveInt('threads', values.threads, 2),
    flowConcurrency: positiveInt('flow-concurrency', values['flow-concurrency'], 10),
    customers: positiveInt('customers', values.customers, 200),
    scenarios: values.scenarios?.split(',').map((s) => s.trim()),
    profile: values.profile === true,
    preloadTokens: values['preload-tokens'] === undefined ? 0 : positiveInt('preload-tokens', values['preload-tokens'], 0),
    preloadClients: values['preload-clients'] === undefined ? 0 : positiveInt('preload-clients', values['preload-clients'], 0),
    store: storeKind(values.store),
    check: values.check === true,
    // a smoke test's rough numbers do not replace the last full run's
    out: values.out ?? (quick ? 'bench/tmp/results-quick.md' : scaled ? 'bench/results-scale.md' : 'bench/results.md'),
    help: values.help === true,
  };
}
