import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { Jwk } from '../../config/index.ts';
import { BASELINE_SCOPE } from '../baseline/server.ts';
import { CustomerPool } from '../lib/customers.ts';
import { answers, freePort, waitFor } from '../lib/net.ts';
import { startProcess, type Managed } from '../lib/processes.ts';
import type { CodeFlowSetup, Target } from './types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDIRECT_URI = 'https://tpp.bench.example/callback';
const START_TIMEOUT_MS = 30_000;
const DEV_CUSTOMERS = 64; // devInteractions takes any login: names only keep flows apart

function secret(): string {
  return randomBytes(32).toString('base64url');
}

function baselineClients(ccSecret: string, tppSecret: string): object[] {
  return [
    {
      client_id: 'bench-cc',
      client_secret: ccSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'bench-tpp',
      client_secret: tppSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
}

/** Starts the bare node-oidc-provider of bench/baseline/server.ts on a free loopback port. */
export async function startBaseline(options: {
  jwks: { keys: Jwk[] };
  nodeFlags?: string[];
  /** the script to run: bench/baseline/server.ts (default), or its compiled copy */
  entry?: string;
}): Promise<{ target: Target; process: Managed }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ccSecret = secret();
  const tppSecret = secret();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    BASELINE_CLIENTS: JSON.stringify(baselineClients(ccSecret, tppSecret)),
    COOKIE_KEYS: secret(),
    JWKS: JSON.stringify(options.jwks),
  };
  const proc = startProcess('baseline', process.execPath, [...(options.nodeFlags ?? []), options.entry ?? 'bench/baseline/server.ts'], {
    env,
    cwd: ROOT,
  });
  const exited = () => (proc.hasExited() ? `baseline exited during start: ${proc.output().trim().slice(-300)}` : undefined);
  await waitFor('baseline', () => answers(`${url}/.well-known/openid-configuration`), START_TIMEOUT_MS, exited);

  const customers = new CustomerPool(Array.from({ length: DEV_CUSTOMERS }, (_, i) => ({ username: `customer-${i}`, password: 'any' })));
  const setup: CodeFlowSetup = {
    clientId: 'bench-tpp',
    secret: tppSecret,
    redirectUri: REDIRECT_URI,
    scope: `openid ${BASELINE_SCOPE}`,
    customers,
  };
  const target: Target = {
    id: 'baseline',
    label: 'oidc-provider',
    url,
    pid: proc.pid,
    clientCredentialsClient: async () => ({ clientId: 'bench-cc', secret: ccSecret, scope: BASELINE_SCOPE }),
    codeFlowSetup: async () => setup,
    async cloneRefreshTokens(seed, count) {
      const res = await fetch(`${url}/bench/clone-refresh?${new URLSearchParams({ seed, count: String(count) })}`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`baseline clone: ${res.status} ${await res.text()}`);
      return (await res.json()) as string[];
    },
    close: async () => {},
  };
  return { target, process: proc };
}
