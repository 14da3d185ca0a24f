/**
 * Full-flow rate: customers authorizing a TPP through the pages as a browser without
 * JavaScript would (GET /auth → password → one-time code → consent → code → POST /token),
 * scripted over HTTP against Valtuus in its own process on Redis.
 *
 *   node bench/flow.ts [--seconds 20] [--concurrency 4] [--runs 3] [--workers 1] [--clients 12]
 *
 * Prints each run's completed flows per second and the median. Every flow is a first consent:
 * each customer authorizes each of several TPPs at most once, so the consent page is always shown.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { createRedisStore } from '../adapters/redis.ts';
import { loadConfig } from '../config/index.ts';
import { accountServices } from '../server/accounts/services.ts';
import { currentTotp } from '../server/accounts/totp.ts';
import { createApp } from '../server/app.ts';
import { ClientManager } from '../server/clients/manage.ts';
import { generateSigningJwks } from '../server/signing_keys.ts';
import { createLogger } from '../server/ops/logger.ts';
import { codeFlow } from './lib/code_flow.ts';
import type { FormKind } from './lib/forms.ts';
import { answers, freePort, waitFor } from './lib/net.ts';
import { startProcess, stopAll } from './lib/processes.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    clients: { type: 'string', default: '12' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const RUNS = Number(args.runs);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIRECT_URI = 'https://tpp.bench.example/callback'; // never fetched: the flow stops at the redirect
const PASSWORD = 'bench password 0123456789';

interface BenchCustomer {
  username: string;
  secret: string;
  lastStep: number;
  /** index of the next TPP this customer has not consented to */
  nextClient: number;
  busy: boolean;
}

interface Tpp {
  clientId: string;
  secret: string;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A customer free now whose next one-time code (each step once, in order) is still valid. */
function takeCustomer(pool: BenchCustomer[], clients: number): { customer: BenchCustomer; code: string } | undefined {
  const current = Math.floor(Date.now() / 30_000);
  for (const customer of pool) {
    const step = Math.max(customer.lastStep + 1, current); // not the previous step's: it may expire in flight
    if (customer.busy || step > current + 1 || customer.nextClient >= clients) continue;
    customer.busy = true;
    customer.lastStep = step;
    return { customer, code: currentTotp(customer.secret, step * 30_000) };
  }
  return undefined;
}

async function oneFlow(issuer: string, tpp: Tpp, customer: BenchCustomer, code: string): Promise<void> {
  const steps: FormKind[] = [];
  const client = { clientId: tpp.clientId, secret: tpp.secret, redirectUri: REDIRECT_URI, scope: 'openid accounts:read' };
  await codeFlow(issuer, client, { username: customer.username, password: PASSWORD }, () => code, steps);
  if (!steps.includes('consent')) throw new Error(`no consent page: the forms were ${steps.join(', ')}`);
}

async function timedRun(issuer: string, tpps: Tpp[], pool: BenchCustomer[]) {
  const latencies: number[] = [];
  let failed = 0;
  let starved = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const taken = takeCustomer(pool, tpps.length);
        if (!taken) {
          starved += 1;
          await new Promise((resolve) => setTimeout(resolve, 50)); // every customer has used this moment's codes
          continue;
        }
        const t0 = performance.now();
        try {
          await oneFlow(issuer, tpps[taken.customer.nextClient]!, taken.customer, taken.code);
          latencies.push(performance.now() - t0);
        } catch (err) {
          failed += 1;
          firstError ??= (err as Error).message;
        } finally {
          taken.customer.nextClient += 1;
          taken.customer.busy = false;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { rate: latencies.length / elapsed, ok: latencies.length, failed, firstError, starved, p50: pct(50), p95: pct(95) };
}

async function main(): Promise<void> {
  const port = await freePort();
  const prefix = `valtuus-bench-flow-${randomBytes(4).toString('hex')}:`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    WEB_CONCURRENCY: args.workers,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    JWKS: JSON.stringify(generateSigningJwks()),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_TOKEN_REQUESTS: '100000000',
  };
  const issuer = `http://127.0.0.1:${port}`;
  const server = startProcess('valtuus', process.execPath, ['server/index.ts'], { env, cwd: process.cwd() });
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const store = createRedisStore({ url: REDIS_URL, keyPrefix: prefix });
  try {
    await waitFor(
      'Valtuus',
      () => answers(`${issuer}/readyz`),
      60_000,
      () => (server.hasExited() ? server.output() : undefined),
    );
    const { provider, registry, deps } = createApp({ config, store, logger: createLogger('silent') });
    const manager = new ClientManager(provider, store, registry);
    const tpps: Tpp[] = [];
    for (let i = 0; i < Number(args.clients); i += 1) {
      const created = await manager.create({
        name: `Bench TPP ${i}`,
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
        scope: 'openid accounts:read',
      });
      tpps.push({ clientId: String(created.client_id), secret: String(created.client_secret) });
    }
    // enough customers that none runs out of codes: each has two per 30 s (this step's and the next's)
    const customers = Math.ceil(SECONDS * CONCURRENCY * 8);
    const t0 = performance.now();
    const { accounts } = accountServices(deps);
    const pool: BenchCustomer[] = [];
    for (let i = 0; i < customers; i += 1) {
      const enrolment = await accounts.create({ username: `bench${i}`, password: PASSWORD });
      pool.push({
        username: enrolment.username,
        secret: new URL(enrolment.totp_uri).searchParams.get('secret')!,
        lastStep: -Infinity,
        nextClient: 0,
        busy: false,
      });
    }
    log(`${customers} customers and ${tpps.length} TPPs created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    log(`${cpus().length} × ${cpus()[0]?.model}; Node ${process.version}; server workers: ${args.workers}; concurrency ${CONCURRENCY}`);

    await timedRun(issuer, tpps, pool.slice(0, Math.ceil(pool.length / 10))).then(() => log('warmed up'));
    const rates: number[] = [];
    for (let run = 1; run <= RUNS; run += 1) {
      const result = await timedRun(issuer, tpps, pool);
      rates.push(result.rate);
      log(
        `run ${run}: ${result.rate.toFixed(1)} flows/s (${result.ok} ok, ${result.failed} failed${result.firstError ? `: ${result.firstError}` : ''}), ` +
          `flow p50 ${result.p50.toFixed(0)} ms, p95 ${result.p95.toFixed(0)} ms${result.starved ? `, ${result.starved} waits for a fresh code` : ''}`,
      );
    }
    const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
    process.stdout.write(
      `${JSON.stringify({ median_flows_per_second: Number(median.toFixed(1)), runs: rates.map((r) => Number(r.toFixed(1))), seconds: SECONDS, concurrency: CONCURRENCY, workers: Number(args.workers) })}\n`,
    );
  } finally {
    await stopAll();
    const { Redis } = await import('ioredis');
    const probe = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await probe.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await probe.unlink(...keys);
    } while (cursor !== '0');
    probe.disconnect();
    await store.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/flow: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
