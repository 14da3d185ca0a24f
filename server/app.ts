import type Provider from 'oidc-provider';

import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import { accountServices } from './accounts/services.ts';
import { approvalLogins, approvalMiddleware, approvalParts, findAccountWithPlaceholders, keepExpiredRequests } from './approval/setup.ts';
import { cacheClients } from './clients/cache.ts';
import { reuseClientInstances } from './clients/instances.ts';
import { auditRegistrations, hideSecretDigests } from './clients/registration_events.ts';
import { acceptPresentedSecretOnUpdate, digestSecretsOnStore, installSecretDigests } from './clients/secrets.ts';
import type { AppDeps } from './deps.ts';
import { interactionRoutes } from './interactions/routes.ts';
import { createAudit } from './ops/audit.ts';
import { cacheDiscovery } from './ops/discovery_cache.ts';
import { believeTrustedProxies, hostFromIssuer } from './ops/forwarding.ts';
import { healthRoutes } from './ops/health.ts';
import { measureStoreMemory } from './ops/store_metrics.ts';
import { createLimits } from './ops/limits.ts';
import { requestLogging, type Logger } from './ops/logger.ts';
import { createMetrics, measureRequests, metricsEndpoint, type Metrics } from './ops/metrics.ts';
import { logStoreOutages } from './ops/store_outages.ts';
import { requireTls } from './ops/transport.ts';
import { tokenAttributeNames } from './policy/attributes.ts';
import { resourceIndicatorsFeature } from './policy/enforcement.ts';
import { providerErrorPage } from './pages/error_page.ts';
import { withFormPostPage } from './pages/form_post.ts';
import { Pages } from './pages/kit.ts';
import { ApiRegistry } from './policy/registry.ts';
import { accountProviderHooks } from './provider/account_hooks.ts';
import { logClientKeyFailures } from './provider/client_keys_log.ts';
import { buildProviderConfiguration, type ProviderHooks } from './provider/configuration.ts';
import { introspectionAndRevocationSteps } from './provider/introspection.ts';
import { jwtAccessTokenAlgs, jwtAccessTokenFinder } from './provider/jwt_access_tokens.ts';
import { listUnsignedRequestObjects, unsignedRequestObjectsAsQuery } from './provider/request_objects.ts';
import { acceptApiTokensAtUserinfo } from './provider/userinfo.ts';
import { logProviderErrors } from './provider/errors.ts';
import { skipStructuredTokenCheckForOpaqueTokens } from './provider/opaque_tokens.ts';
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
export function createApp({
  config,
  store,
  logger,
  hooks,
  metrics = createMetrics({ processMetrics: false }),
  clock = Date.now,
}: AppOptions): App {
  const registry = new ApiRegistry(config.apis);
  const clients = cacheClients(store);
  const clientAdapter = digestSecretsOnStore(clients.adapter('Client'));
  const adapter = (name: string) => (name === 'Client' ? clientAdapter : clients.adapter(name));
  const appStore: Store = { ...store, adapter, ping: () => store.ping(), close: () => store.close() };
  const audit = createAudit(logger, metrics);
  const limits = createLimits(config, store);
  const accounts = accountServices({ config, store: appStore, audit, clock, logger });
  const pages = new Pages({ defaultLocale: config.defaultLocale, branding: config.branding });
  const deps: AppDeps = { config, store: appStore, registry, logger, audit, metrics, limits, accounts, clock, pages };

  const resourceIndicators = resourceIndicatorsFeature(registry, jwtAccessTokenAlgs(config));
  const approval = approvalParts(deps);
  const pollPace = { marks: approval.marks, keys: store.keys, interval: config.ciba.pollInterval };
  const ValtuusProvider = withFormPostPage(
    tokenEndpointProvider(limits, tokenAttributeNames(registry), redeemOnce(appStore, config.refreshReuseGraceSeconds), pollPace),
    pages,
  );
  const providerHooks = { ...accountProviderHooks(deps), ciba: approval.feature, ...hooks };
  if (providerHooks.findAccount) providerHooks.findAccount = findAccountWithPlaceholders(providerHooks.findAccount);
  const providerStore = { ...appStore, adapter: keepExpiredRequests(appStore.adapter) };
  skipStructuredTokenCheckForOpaqueTokens();
  const provider = new ValtuusProvider(
    config.issuer,
    buildProviderConfiguration(
      config,
      providerStore,
      registry,
      { renderError: providerErrorPage(pages), ...providerHooks },
      resourceIndicators,
    ),
  );
  // X-Forwarded-For/-Proto are rewritten by believeTrustedProxies before Koa reads them (README "Deployment")
  provider.proxy = true;
  provider.maxIpsCount = 1;
  installSecretDigests(provider);
  reuseClientInstances(provider, clientAdapter);
  acceptPresentedSecretOnUpdate(provider);
  logProviderErrors(provider, logger);
  logStoreOutages(store, logger);
  logClientKeyFailures(provider, logger);
  const findJwt = jwtAccessTokenFinder(provider, config, appStore);
  acceptApiTokensAtUserinfo(provider, registry, findJwt);

  provider.use(believeTrustedProxies(config));
  provider.use(requireTls(config));
  provider.use(hostFromIssuer(config));
  provider.use(requestLogging(logger));
  provider.use(measureRequests(metrics));
  if (config.metrics.token) provider.use(metricsEndpoint(metrics, config.metrics.token));
  provider.use(healthRoutes(store));
  provider.use(cacheDiscovery);
  measureStoreMemory(metrics, store);
  installTokenSteps(provider, deps, resourceIndicators);
  provider.use(hideSecretDigests);
  auditRegistrations(provider, audit);
  provider.use(introspectionAndRevocationSteps(registry, findJwt));
  provider.use(listUnsignedRequestObjects);
  provider.use(unsignedRequestObjectsAsQuery(provider, registry));
  provider.use(interactionRoutes(provider, deps, approvalLogins(provider, deps, approval)));
  for (const middleware of approvalMiddleware(provider, deps, approval)) provider.use(middleware);
  return { provider, registry, deps, close: () => clients.close() };
}
