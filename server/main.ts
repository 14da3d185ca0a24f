import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

import { ConfigError, loadConfig, type Config } from '../config/index.ts';
import { runPrimary } from './cluster.ts';
import { generateSigningJwks } from './signing_keys.ts';
import { createLogger, prettyDestination } from './ops/logger.ts';

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

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel, config.env === 'development' ? prettyDestination() : undefined);
  // the app is loaded only where it serves: the primary of several workers stays small
  const serve = async () => (await import('./serve.ts')).serve(config, logger);
  if (cluster.isWorker) return serve();

  if (config.ephemeral.length) {
    logger.warn(`development mode: generated ephemeral ${config.ephemeral.join(' and ')}; sessions and tokens do not survive a restart`);
  }
  // the sandbox's memory store lives in one process, so it gets exactly one
  const workers = config.redisUrl ? config.webConcurrency || availableParallelism() : 1;
  if (workers === 1) return serve();
  runPrimary(config, workers, logger);
  return undefined;
}

main().catch((err: unknown) => {
  process.stderr.write(`valtuus: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
