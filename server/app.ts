import type Koa from 'koa';
import type Provider from 'oidc-provider';

import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import { accountProviderHooks } from './accounts/hooks.ts';
import { createAudit } from './audit.ts';
import { cacheClients } from './clients/cache.ts';
import { installSecretDigests } from './clients/secrets.ts';
import type { AppDeps } from './deps.ts';
import { healthRoutes } from './health.ts';
import { createLimits } from './limits.ts';
import { createMetrics, measureRequests, metricsEndpoint, type Metrics } from './metrics.ts';
import { requestLogging, type Logger } from './logger.ts';
import { buildProviderConfiguration, jwtSigningAlg, type ProviderHooks } from './provider/configuration.ts';
import { resourceIndicatorsFeature } from './provider/resources.ts';
import { ApiRegistry } from './provider/registry.ts';
import { addPromisedTokenFields } from './provider/token_response.ts';
import { auditTokenEvents } from './provider/audit_events.ts';
import { clientAuthThrottle } from './provider/throttle.ts';
import { unauthorizedClientForGrant } from './provider/error_codes.ts';
import { valtuusProviderClass } from './provider/grant_hooks.ts';
import { tokenAttributeNames } from './provider/attributes.ts';
import { registerPasswordGrant } from './provider/password_grant.ts';
import { interactionRoutes } from './interactions/index.ts';

export interface AppOptions {
  config: Config;
  store: Store;
  logger: Logger;
  /** made by the caller when it also counts store errors; otherwise made here */
  metrics?: Metrics;
  /** overrides of the provider hooks, for tests */
  hooks?: ProviderHooks;
}

export interface App {
  provider: Provider;
  registry: ApiRegistry;
  deps: AppDeps;
  /** Stops what the app opened beside the store (the client cache's subscription). */
  close(): Promise<void>;
}

/** Assembles the provider (itself a Koa app) with Valtuus' middleware in front of its routes. */
export function createApp({ config, store, logger, hooks, metrics = createMetrics() }: AppOptions): App {
  const registry = new ApiRegistry(config.apis);
  const clients = cacheClients(store, config.redisKeyPrefix, logger);
  const appStore: Store = {
    kind: store.kind,
    redis: store.redis,
    adapter: clients.adapter,
    ping: () => store.ping(),
    close: () => store.close(),
  };
  const deps: AppDeps = { config, store: appStore, registry, logger, audit: createAudit(logger, metrics), metrics };
  const providerHooks = { ...accountProviderHooks(deps), ...hooks };
  const limits = createLimits(config, store);
  const resourceIndicators = resourceIndicatorsFeature(registry, jwtSigningAlg(config));
  const ValtuusProvider = valtuusProviderClass(limits, tokenAttributeNames(registry));
  const provider = new ValtuusProvider(
    config.issuer,
    buildProviderConfiguration(config, appStore, registry, providerHooks, resourceIndicators),
  );
  provider.proxy = true; // behind a TLS-terminating router: trust X-Forwarded-Proto/For
  provider.maxIpsCount = 1; // the address the router saw: the last X-Forwarded-For entry, not one the client wrote
  installSecretDigests(provider);
  registerPasswordGrant(provider, deps, limits, resourceIndicators);

  provider.on('server_error', (ctx, err) => {
    (ctx.state.log ?? logger).error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'server_error');
  });

  // errors Koa meets before a route (a malformed chunked body, say): one log line, never a bare stack on stderr
  (provider as unknown as Koa).on('error', (err: Error & { code?: string }, ctx?: { state?: { log?: typeof logger } }) => {
    (ctx?.state?.log ?? logger).warn({ err: { message: err.message, code: err.code } }, 'request error');
  });
  auditTokenEvents(provider, deps.audit);

  provider.use(requestLogging(logger));
  provider.use(measureRequests(metrics));
  if (config.metrics.token) provider.use(metricsEndpoint(metrics, config.metrics.token));
  provider.use(healthRoutes(store));
  provider.use(clientAuthThrottle(provider, limits));
  provider.use(unauthorizedClientForGrant);
  provider.use(addPromisedTokenFields);
  provider.use(interactionRoutes(provider, deps, limits));
  return { provider, registry, deps, close: () => clients.close() };
}
