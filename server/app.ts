import Provider from 'oidc-provider';

import type { Config } from '../config/index.ts';
import type { Store } from '../adapters/types.ts';
import { accountProviderHooks } from './accounts/hooks.ts';
import { installSecretDigests } from './clients/secrets.ts';
import type { AppDeps } from './deps.ts';
import { healthRoutes } from './health.ts';
import { requestLogging, type Logger } from './logger.ts';
import { buildProviderConfiguration, type ProviderHooks } from './provider/configuration.ts';
import { ApiRegistry } from './provider/registry.ts';
import { addPromisedTokenFields } from './provider/token_response.ts';
import { interactionRoutes } from './interactions/index.ts';

export interface AppOptions {
  config: Config;
  store: Store;
  logger: Logger;
  /** overrides of the provider hooks, for tests */
  hooks?: ProviderHooks;
}

export interface App {
  provider: Provider;
  registry: ApiRegistry;
  deps: AppDeps;
}

/** Assembles the provider (itself a Koa app) with Valtuus' middleware in front of its routes. */
export function createApp({ config, store, logger, hooks }: AppOptions): App {
  const registry = new ApiRegistry(config.apis);
  const deps: AppDeps = { config, store, registry, logger };
  const providerHooks = { ...accountProviderHooks(deps), ...hooks };
  const provider = new Provider(config.issuer, buildProviderConfiguration(config, store, registry, providerHooks));
  provider.proxy = true; // behind a TLS-terminating router: trust X-Forwarded-Proto/For
  installSecretDigests(provider);

  provider.on('server_error', (ctx, err) => {
    (ctx.state.log ?? logger).error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'server_error');
  });

  provider.use(requestLogging(logger));
  provider.use(healthRoutes(store));
  provider.use(addPromisedTokenFields);
  provider.use(interactionRoutes(provider, deps));
  return { provider, registry, deps };
}
