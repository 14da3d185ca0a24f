import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import type { Audit } from './audit.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { ApiRegistry } from './provider/registry.ts';

/** What the feature modules are built from; assembled once in createApp. */
export interface AppDeps {
  config: Config;
  store: Store;
  registry: ApiRegistry;
  logger: Logger;
  audit: Audit;
  metrics: Metrics;
}
