import type Provider from 'oidc-provider';

import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import { accountServices } from './accounts/services.ts';
import { cacheClients } from './clients/cache.ts';
import { auditRegistrations, hideSecretDigests } from './clients/registration_events.ts';
import { acceptPresentedSecretOnUpdate, digestSecretsOnStore, installSecretDigests } from './clients/secrets.ts';
import type { AppDeps } from './deps.ts';
import { interactionRoutes } from './interactions/routes.ts';
import { createAudit } from './ops/audit.ts';
import { healthRoutes } from './ops/health.ts';
import { measureStoreMemory } from './ops/store_metrics.ts';
import { createLimits } from './ops/limits.ts';
import { requestLogging, type Logger } from './ops/logger.ts';
import { createMetrics, measureRequests, metricsEndpoint, type Metrics } from './ops/metrics.ts';
import { logStoreOutages } from './ops/store_outages.ts';
import { tokenAttributeNames } from './policy/attributes.ts';
import { resourceIndicatorsFeature } from './policy/enforcement.ts';
import { providerErrorPage } from './pages/error_page.ts';
import { Pages } from './pages/kit.ts';
import { ApiRegistry } from './policy/registry.ts';
import { accountProviderHooks } from './provider/account_hooks.ts';
import { buildProviderConfiguration, jwtSigningAlg, type ProviderHooks } from './provider/configuration.ts';
import { logProviderErrors } from './provider/errors.ts';
import { redeemOnce } from './token/redeem.ts';
import { installTokenSteps, tokenEndpointProvider } from './token/steps.ts';

export interface AppOptions {
  config: Config;
  store: Store;
  logger: Logger;
  /** made by the caller when it also counts store errors; otherwise made here */
  metrics?: Metrics;
  /** overrides of the provider hooks, for tests */
  hooks?: ProviderHooks;
  /** the time (ms) one-time codes are checked at: Date.now, or a test's own clock */
  clock?: () => number;
}

export interface App {
  provider: Provider;
  registry: ApiRegistry;
  deps: AppDeps;
  /** Stops what the app opened beside the store (the client cache's subscription). */
  close(): Promise<void>;
}

/**
 * Assembly only: every collaborator is built once here and handed to the modules that use it;
 * the provider (itself a Koa app) gets Valtuus' middleware in front of its routes, in this order.
 */
export function createApp({ config, store, logger, hooks, metrics = createMetrics(), clock = Date.now }: AppOptions): App {
  const registry = new ApiRegistry(config.apis);
  const clients = cacheClients(store);
  const clientAdapter = digestSecretsOnStore(clients.adapter('Client'));
  const adapter = (name: string) => (name === 'Client' ? clientAdapter : clients.adapter(name));
  const appStore: Store = { ...store, adapter, ping: () => store.ping(), close: () => store.close() };
  const audit = createAudit(logger, metrics);
  const limits = createLimits(config, store);
  const accounts = accountServices({ config, store: appStore, audit, clock });
  const pages = new Pages({ defaultLocale: config.defaultLocale, branding: config.branding });
  const deps: AppDeps = { config, store: appStore, registry, logger, audit, metrics, limits, accounts, clock, pages };

  const resourceIndicators = resourceIndicatorsFeature(registry, jwtSigningAlg(config));
  const ValtuusProvider = tokenEndpointProvider(
    limits,
    tokenAttributeNames(registry),
    redeemOnce(appStore, config.refreshReuseGraceSeconds),
  );
  const providerHooks = { ...accountProviderHooks(deps), ...hooks };
  const provider = new ValtuusProvider(
    config.issuer,
    buildProviderConfiguration(config, appStore, registry, { renderError: providerErrorPage(pages), ...providerHooks }, resourceIndicators),
  );
  provider.proxy = true; // behind a TLS-terminating router: trust X-Forwarded-Proto/For
  provider.maxIpsCount = 1; // the address the router saw: the last X-Forwarded-For entry, not one the client wrote
  installSecretDigests(provider);
  acceptPresentedSecretOnUpdate(provider);
  logProviderErrors(provider, logger);
  logStoreOutages(store, logger);

  provider.use(requestLogging(logger));
  provider.use(measureRequests(metrics));
  if (config.metrics.token) provider.use(metricsEndpoint(metrics, config.metrics.token));
  provider.use(healthRoutes(store));
  measureStoreMemory(metrics, store);
  installTokenSteps(provider, deps, resourceIndicators);
  provider.use(hideSecretDigests);
  auditRegistrations(provider, audit);
  provider.use(interactionRoutes(provider, deps));
  return { provider, registry, deps, close: () => clients.close() };
}
