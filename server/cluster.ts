import cluster, { type Worker } from 'node:cluster';

import type { Config } from '../config/index.ts';
import type { Logger } from './ops/logger.ts';
import { AggregatorRegistry } from 'prom-client';
import { answerWorkersForMetrics, metricsServer } from './ops/metrics.ts';
import { REFUSED_TO_START } from './exit_codes.ts';

const SHUTDOWN_DEADLINE_MS = 9500;
const RESPAWN_DELAY_MS = 1000;

/**
 * The primary of `WEB_CONCURRENCY` workers. Workers get the primary's keys in their
 * environment, so that generated development keys are the same in every worker.
 */
export function runPrimary(config: Config, workers: number, logger: Logger): void {
  let stopping = false;
  const env = { COOKIE_KEYS: config.cookieKeys.join(','), JWKS: JSON.stringify(config.jwks) };

  // workers accept connections themselves: on shutdown none is left queued in the primary
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const fork = (): Worker => cluster.fork(env);
  const aggregator = new AggregatorRegistry();
  answerWorkersForMetrics(aggregator);
  if (config.metrics.port) {
    metricsServer(config.metrics.port, () => aggregator.clusterMetrics(), aggregator.contentType).unref();
  }
  for (let i = 0; i < workers; i += 1) fork();

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (code === REFUSED_TO_START) {
      // the setting it refused is the same for every worker: stop instead of restarting forever
      logger.error({ pid: worker.process.pid, exit_code: code }, 'a worker refused to start; stopping'); // `code` would be redacted
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      const exitWhenAlone = () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(1);
      cluster.on('exit', exitWhenAlone);
      exitWhenAlone();
      return;
    }
    logger.error({ pid: worker.process.pid, exit_code: code, signal }, 'worker exited; starting another');
    setTimeout(fork, RESPAWN_DELAY_MS).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping workers');
    const deadline = setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const check = () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    };
    cluster.on('exit', check);
    check();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers, port: config.port }, 'primary started');
}
