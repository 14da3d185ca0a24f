import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { Jwk } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import { FlowError, codeFlow } from '../lib/code_flow.ts';
import { CustomerPool, totpFromUri, type Customer } from '../lib/customers.ts';
import { cloneRefreshTokens, type ModelAdapter } from '../lib/clone.ts';
import { preloadStore } from '../lib/preload.ts';
import { answers, freePort, waitFor } from '../lib/net.ts';
import { startProcess, type Managed } from '../lib/processes.ts';
import { NotAvailable } from '../scenarios/types.ts';
import { adminCommands, createCustomer, type CreatedCustomer } from './admin.ts';
import { once, type CodeFlowSetup, type Target } from './types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CREATE_CUSTOMERS = fileURLToPath(new URL('./create_customers.ts', import.meta.url));
const REDIRECT_URI = 'https://tpp.bench.example/callback'; // never fetched: the flow stops at the redirect
const CC_SCOPE = 'public:read'; // the low API: client credentials
const CODE_SCOPE = 'openid accounts:read'; // the substantial API: customer login, consent, refresh
const START_TIMEOUT_MS = 60_000;
const TOKEN_BUDGET = 100_000_000; // per client and minute: the most config/ accepts

export interface ValtuusOptions {
  redisUrl: string;
  jwks: { keys: Jwk[] };
  /** how many customers to create for the code flow (each logs in once per TOTP step) */
  customers: number;
  /** extra `node` flags, e.g. --cpu-prof */
  nodeFlags?: string[];
  /** the script to run: `server/index.ts` (default), or the compiled `dist/server/index.js` */
  entry?: string;
  /** WEB_CONCURRENCY; unset: as in the harness' environment (Valtuus' default: one worker per CPU) */
  workers?: number | undefined;
  /** REDIS_KEY_PREFIX, when several Valtuus share one Redis Cluster */
  keyPrefix?: string;
  /** which of the Valtuus targets this is (several run side by side, each on its own Redis) */
  id?: 'valtuus' | 'valtuus1';
  label?: string;
  redisPid?: number | undefined;
  log(message: string): void;
}

function serverEnv(port: number, options: ValtuusOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // production-like, except that production refuses an http:// issuer on loopback
    NODE_ENV: 'development',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    REDIS_URL: options.redisUrl,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    JWKS: JSON.stringify(options.jwks),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // One client sends all the load here; its per-minute token budget (default 6000) would turn
    // the run into a measurement of 429s. The limiter still runs on every request.
    RATE_LIMIT_TOKEN_REQUESTS: process.env.RATE_LIMIT_TOKEN_REQUESTS ?? String(TOKEN_BUDGET),
    // likewise every scripted customer signs in from 127.0.0.1: its per-address budget of new sign-ins
    // (default 120 a minute) would refuse the code flow after two seconds; the limiter still runs
    RATE_LIMIT_ADDRESS_INTERACTIONS: process.env.RATE_LIMIT_ADDRESS_INTERACTIONS ?? '1000000',
    ...(options.workers ? { WEB_CONCURRENCY: String(options.workers) } : {}),
    ...(options.keyPrefix ? { REDIS_KEY_PREFIX: options.keyPrefix } : {}),
  };
}

/** The server's own words on why it stopped: its plain lines first (JSON log lines repeat themselves). */
function whyItStopped(output: string): string {
  const lines = output.trim().split('\n');
  const plain = lines.filter((l) => !l.startsWith('{'));
  return (plain.length ? plain.slice(-2) : lines.slice(-1)).join(' | ').slice(0, 400);
}

/** Customers through `user create`, in a child process (see adminCommands in admin.ts for why). */
async function createCustomers(env: NodeJS.ProcessEnv, count: number, tag: string): Promise<Customer[]> {
  let stdout = '';
  const proc = startProcess('create_customers', process.execPath, [CREATE_CUSTOMERS, String(count), tag], {
    env,
    cwd: ROOT,
    privateStdout: true,
    onStdout: (chunk) => (stdout += chunk),
  });
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`creating customers failed (${exit.code ?? exit.signal}): ${proc.output().trim().slice(-400)}`);
  const created = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CreatedCustomer);
  if (created.length !== count) throw new Error(`creating customers: ${created.length} of ${count} made`);
  return created.map(customerOf);
}

function customerOf(c: CreatedCustomer): Customer {
  return { username: c.username, password: c.password, totp: totpFromUri(c.totpUri) };
}

/** Starts Valtuus (`node server/index.ts`, or the compiled entry) on a free loopback port and waits until it serves discovery. */
export async function startValtuus(options: ValtuusOptions): Promise<{ target: Target; process: Managed }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = serverEnv(port, options);
  const proc = startProcess('valtuus', process.execPath, [...(options.nodeFlags ?? []), options.entry ?? 'server/index.ts'], {
    env,
    cwd: ROOT,
  });
  const exited = () => (proc.hasExited() ? `Valtuus exited during start: ${whyItStopped(proc.output())}` : undefined);
  await waitFor('Valtuus', () => answers(`${url}/.well-known/openid-configuration`), START_TIMEOUT_MS, exited);

  const admin = once(async () => {
    try {
      return await adminCommands(env);
    } catch (err) {
      throw new NotAvailable(`cannot load the admin commands: ${(err as Error).message}`);
    }
  });

  let storeOpened = false;
  const store = once(async (): Promise<Store> => {
    storeOpened = true;
    const [{ createRedisStore }, { loadConfig }] = await Promise.all([import('../../adapters/redis.ts'), import('../../config/index.ts')]);
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent' }, {});
    return createRedisStore({ url: options.redisUrl, keyPrefix: config.redisKeyPrefix, commandTimeoutMs: 10_000 });
  });

  const clientCredentialsClient = once(async () => {
    const run = await admin();
    const created = await run('client create', { name: 'Bench client credentials', 'grant-types': 'client_credentials', scope: CC_SCOPE });
    return { clientId: String(created.client_id), secret: String(created.client_secret), scope: CC_SCOPE };
  });

  const codeFlowSetup = once(async (): Promise<CodeFlowSetup> => {
    const run = await admin();
    const created = await run('client create', {
      name: 'Bench TPP',
      'grant-types': 'authorization_code,refresh_token',
      'redirect-uris': REDIRECT_URI,
      scope: CODE_SCOPE,
    });
    const base = {
      clientId: String(created.client_id),
      secret: String(created.client_secret),
      redirectUri: REDIRECT_URI,
      scope: CODE_SCOPE,
    };
    // one customer first: if the pages are not there yet, say so before creating hundreds
    const first = customerOf(await createCustomer(run, `bench-0-${randomBytes(4).toString('hex')}`));
    const probe = new CustomerPool([first]);
    try {
      const customer = probe.take()!;
      await codeFlow(url, base, customer, () => probe.code(customer));
    } catch (err) {
      if (err instanceof FlowError) throw new NotAvailable(`the authorization code flow does not complete: ${err.message}`);
      throw err;
    }
    const started = Date.now();
    const tag = randomBytes(4).toString('hex');
    const customers = await createCustomers(env, options.customers, tag);
    options.log(
      `created ${options.customers} customers (password + TOTP) with "user create" in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    // the probe customer is left out: it has used this time step's code already
    return { ...base, customers: new CustomerPool(customers) };
  });

  const target: Target = {
    id: options.id ?? 'valtuus',
    label: options.label ?? 'Valtuus',
    url,
    pid: proc.pid,
    redisPid: options.redisPid,
    clientCredentialsClient,
    codeFlowSetup,
    async preload(tokens, clients) {
      return preloadStore(await store(), tokens, clients, options.log);
    },
    async cloneRefreshTokens(seed, count) {
      const s = await store();
      return cloneRefreshTokens((model) => s.adapter(model) as unknown as ModelAdapter, seed, count);
    },
    async close() {
      if (!storeOpened) return;
      const s = await store().catch(() => undefined);
      await s?.close();
    },
  };
  return { target, process: proc };
}
