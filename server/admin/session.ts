import type { Config } from '../../config/index.ts';
import type { AccountManager } from '../accounts/accounts.ts';
import type { ConsentMemory } from '../accounts/consents.ts';
import type { Audit } from '../ops/audit.ts';
import type Provider from 'oidc-provider';
import type { InitialAccessTokens } from '../clients/initial_access_tokens.ts';
import type { ClientManager } from '../clients/manage.ts';

export interface AdminSession {
  clients: ClientManager;
  iats: InitialAccessTokens;
  accounts: AccountManager;
  consents: ConsentMemory;
  provider: Provider;
  audit: Audit;
  config: Config;
}

/** Opens the store named by REDIS_URL, runs one admin action, and always closes the store. */
export async function withAdminSession<T>(config: Config, action: (session: AdminSession) => Promise<T>): Promise<T> {
  if (!config.redisUrl) {
    throw new Error(
      'REDIS_URL is not set: the admin CLI works on the store named by REDIS_URL (the sandbox store lives only inside `npm start`)',
    );
  }
  // loaded only by a command that opens the store: `--help` and `keys …` start no app
  const [{ createRedisStore }, { createApp }, { ClientManager }, { InitialAccessTokens }, { createLogger }, { default: pino }] =
    await Promise.all([
      import('../../adapters/redis.ts'),
      import('../app.ts'),
      import('../clients/manage.ts'),
      import('../clients/initial_access_tokens.ts'),
      import('../ops/logger.ts'),
      import('pino'),
    ]);
  const store = createRedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
  let closeApp = async () => undefined as void;
  try {
    await store.ping();
    // audit lines go to stderr, so stdout stays one JSON document
    const { provider, registry, deps, close } = createApp({
      config,
      store,
      logger: createLogger('info', pino.destination({ dest: 2, sync: true })),
    });
    closeApp = close;
    return await action({
      // through the app's store, so every running server hears of client changes at once
      clients: new ClientManager(provider, deps.store, registry, deps.audit, { production: config.env === 'production' }),
      iats: new InitialAccessTokens(provider, deps.store, registry, deps.audit),
      accounts: deps.accounts.accounts,
      consents: deps.accounts.consents,
      provider,
      audit: deps.audit,
      config,
    });
  } finally {
    await closeApp();
    await store.close();
  }
}
