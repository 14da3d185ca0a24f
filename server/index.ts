import { createServer, type Server } from 'node:http';

import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { seedSandboxCustomer } from './accounts/sandbox.ts';
import { createApp } from './app.ts';
import { ClientManager } from './clients/manage.ts';
import { generateSigningJwks } from './keys.ts';
import { createLogger, type Logger } from './logger.ts';
import { sandboxBanner, seedSandbox } from './sandbox.ts';
import { openStore } from './store.ts';

const SHUTDOWN_DEADLINE_MS = 9000; // Heroku sends SIGKILL 30 s after SIGTERM; finish well before

function readConfig(): Config {
  try {
    return loadConfig(process.env, { generateJwks: generateSigningJwks });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`valtuus: cannot start, ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
}

function shutdownOnSignal(server: Server, close: () => Promise<void>, logger: Logger): void {
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS);
    timer.unref();
    server.close(() => {
      close().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  if (config.ephemeral.length) {
    logger.warn(`development mode: generated ephemeral ${config.ephemeral.join(' and ')}; sessions and tokens do not survive a restart`);
  }
  const store = openStore(config);
  const { provider, deps, registry } = createApp({ config, store, logger });

  if (store.kind === 'memory') {
    const creds = await seedSandbox(new ClientManager(provider, store, registry));
    const customer = await seedSandboxCustomer(deps);
    process.stdout.write(`${sandboxBanner(config, creds, customer)}\n`);
  }

  const server = createServer(provider.callback());
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeouts
  await listen(server, config.port);
  logger.info({ port: config.port, issuer: config.issuer, store: store.kind }, 'listening');
  shutdownOnSignal(server, () => store.close(), logger);
}

main().catch((err: unknown) => {
  process.stderr.write(`valtuus: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
