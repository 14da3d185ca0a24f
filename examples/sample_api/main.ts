import { createServer, type Server } from 'node:http';

import { createLogger } from '../../server/ops/logger.ts';
import { createSampleApi } from './app.ts';

export interface SampleApiConfig {
  port: number;
  /** the authorization server */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** the sample API's public origin, when it runs behind a proxy (DPoP proofs name it) */
  origin: string | undefined;
  logLevel: string;
}

function absoluteUrl(name: string, value: string, problems: string[]): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    problems.push(`${name} must be an absolute http(s) URL (got "${value}")`);
  return value.replace(/\/$/, '');
}

/** The sample API's only reader of the environment; every problem is named at once. */
export function readSampleApiConfig(env: NodeJS.ProcessEnv): SampleApiConfig {
  const problems: string[] = [];
  const port = Number(env.PORT || 4000); // the authorization server takes 3000
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be an integer from 0 to 65535 (got "${env.PORT}")`);
  const issuer = absoluteUrl('ISSUER', env.ISSUER || 'http://localhost:3000', problems); // npm start's default issuer
  const origin = env.PUBLIC_URL ? new URL(absoluteUrl('PUBLIC_URL', env.PUBLIC_URL, problems)).origin : undefined;
  if (!env.API_CLIENT_ID)
    problems.push('API_CLIENT_ID is required: the client the sample API introspects tokens with (the sandbox banner prints it)');
  if (!env.API_CLIENT_SECRET) problems.push('API_CLIENT_SECRET is required: the secret of API_CLIENT_ID');
  if (problems.length) throw new Error(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { port, issuer, clientId: env.API_CLIENT_ID!, clientSecret: env.API_CLIENT_SECRET!, origin, logLevel: env.LOG_LEVEL || 'info' };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
}

async function main(): Promise<void> {
  let config: SampleApiConfig;
  try {
    config = readSampleApiConfig(process.env);
  } catch (err) {
    process.stderr.write(`sample-api: cannot start, ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel).child({ component: 'sample-api' });
  const app = createSampleApi({
    issuer: config.issuer,
    introspection: { clientId: config.clientId, clientSecret: config.clientSecret },
    ...(config.origin ? { origin: config.origin } : {}),
    logger,
  });
  const server = createServer(app.callback());
  await listen(server, config.port);
  logger.info({ port: config.port, issuer: config.issuer }, 'sample API listening');
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`sample-api: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
