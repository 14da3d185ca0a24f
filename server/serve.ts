import { createServer, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';

import type { Config } from '../config/index.ts';
import { seedSandboxCustomer } from './accounts/sandbox.ts';
import { createApp } from './app.ts';
import { ClientManager } from './clients/manage.ts';
import type { Logger } from './ops/logger.ts';
import { createMetrics, metricsServer } from './ops/metrics.ts';
import cluster from 'node:cluster';
import { sandboxBanner, seedSandbox } from './sandbox.ts';
import { sandboxDemoRoutes } from './sandbox_demo.ts';
import { openStore } from './store.ts';

const netClose = NetServer.prototype.close;
const SHUTDOWN_DEADLINE_MS = 9000; // Heroku sends SIGKILL 30 s after SIGTERM; finish well before

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
}

const IDLE_GRACE_MS = 1000; // a connection accepted just before the stop gets this long to send its request

/**
 * On SIGTERM: stop accepting, let in-flight requests finish, close the store, exit. Node's
 * own server.close() also drops connections whose request has not arrived yet, so the
 * listener is closed on its own and idle keep-alive connections are closed after a grace.
 */
function shutdownOnSignal(server: Server, close: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const counts = { connections: 0, requests: 0, responses: 0 };
  server.on('connection', () => (counts.connections += 1));
  server.on('request', (_req, res) => {
    counts.requests += 1;
    res.once('finish', () => (counts.responses += 1));
    if (stopping) res.shouldKeepAlive = false;
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline reached: closing remaining connections');
      server.closeAllConnections();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    netClose.call(server, () => {
      logger.info(counts, 'stopped: every accepted connection was answered');
      close()
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
    setInterval(() => server.closeIdleConnections(), IDLE_GRACE_MS).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Runs one HTTP server process: the whole app on the configured port. */
export async function serve(config: Config, logger: Logger): Promise<void> {
  const metrics = createMetrics();
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
  shutdownOnSignal(server, () => close().then(() => store.close()), logger);
}
