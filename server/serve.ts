import { createServer, type Server } from 'node:http';

import type { Config } from '../config/index.ts';
import { seedSandboxCustomer } from './accounts/sandbox.ts';
import { createApp } from './app.ts';
import { ClientManager } from './clients/manage.ts';
import type { Logger } from './ops/logger.ts';
import { createMetrics, metricsServer } from './ops/metrics.ts';
import { REFUSED_TO_START } from './exit_codes.ts';
import { checkEviction } from './ops/eviction.ts';
import { stopOnSignal } from './ops/shutdown.ts';
import type { Store } from '../adapters/types.ts';
import cluster from 'node:cluster';
import { sandboxBanner, seedSandbox } from './sandbox.ts';
import { sandboxDemoRoutes } from './sandbox_demo.ts';
import { openStore } from './store.ts';

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
}

/** README "Operations": production refuses a Redis that may evict keys, development warns. */
async function checkStoreEviction(config: Config, store: Store, logger: Logger): Promise<void> {
  const check = await checkEviction(store);
  if (check.safe === undefined) {
    logger.warn("could not read the store's maxmemory-policy at start; /readyz reports it once the store answers");
    return;
  }
  if (check.safe) return;
  if (config.env === 'production') {
    process.stderr.write(`valtuus: cannot start, ${check.problems.join('\n')}\n`);
    process.exit(REFUSED_TO_START);
  }
  for (const problem of check.problems) logger.warn(problem);
}

/** Runs one HTTP server process: the whole app on the configured port. */
export async function serve(config: Config, logger: Logger): Promise<void> {
  const metrics = createMetrics({ processMetrics: true });
  const store = openStore(config, () => metrics.storeErrors.inc({ kind: 'connection' }));
  const { provider, deps, registry, close } = createApp({ config, store, logger, metrics });
  // with several workers the primary serves METRICS_PORT for all of them
  if (config.metrics.port && !cluster.isWorker) {
    metricsServer(config.metrics.port, () => metrics.registry.metrics(), metrics.registry.contentType).unref();
  }

  let banner: string | undefined;
  if (store.kind === 'memory') {
    const creds = await seedSandbox(new ClientManager(provider, deps.store, registry, deps.audit), config.issuer);
    const customer = await seedSandboxCustomer(deps.accounts.accounts);
    const web = creds.web!;
    provider.use(sandboxDemoRoutes(config, { ...web, verifier: web.pkce.verifier }, customer));
    banner = sandboxBanner(config, creds, customer);
  }

  await checkStoreEviction(config, store, logger);
  const server = createServer(provider.callback());
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeouts
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000; // Heroku's router gives up after 30 s too
  await listen(server, config.port).catch((err: NodeJS.ErrnoException) => {
    // said before any credentials are printed: a second `npm start` must not look like a fresh sandbox
    if (err.code === 'EADDRINUSE')
      throw new Error(`port ${config.port} is already in use (is Valtuus already running?); set PORT to another port`);
    throw err;
  });
  if (banner) process.stdout.write(`${banner}\n`);
  logger.info({ port: config.port, issuer: config.issuer, store: store.kind, pid: process.pid }, 'listening');
  stopOnSignal(server, () => close().then(() => store.close()), logger);
}
