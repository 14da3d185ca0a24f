import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import type { AccountServices } from './accounts/services.ts';
import type { Audit } from './ops/audit.ts';
import type { Limits } from './ops/limits.ts';
import type { Logger } from './ops/logger.ts';
import type { Metrics } from './ops/metrics.ts';
import type { Pages } from './pages/kit.ts';
import type { ApiRegistry } from './policy/registry.ts';

/** The collaborators the feature modules are built from: each made once, in createApp. */
export interface AppDeps {
  config: Config;
  store: Store;
  registry: ApiRegistry;
  logger: Logger;
  audit: Audit;
  metrics: Metrics;
  limits: Limits;
  accounts: AccountServices;
  /** the time (ms) one-time codes are checked at */
  clock: () => number;
  /** the page toolkit: languages, branding, layout */
  pages: Pages;
}
