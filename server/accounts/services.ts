import type { Config } from '../../config/index.ts';
import type { Store } from '../../adapters/types.ts';
import type { Audit } from '../ops/audit.ts';
import type { Logger } from '../ops/logger.ts';
import { AccountManager } from './accounts.ts';
import { Authenticator } from './authenticate.ts';
import { ConsentMemory } from './consents.ts';
import { createLoginGuard } from './guard.ts';
import { lockNotifier } from './lock_notice.ts';
import { PasswordHasher } from './password.ts';
import { USED_STEP_MEMORY_SECONDS } from './totp.ts';

const FAILURE_MEMORY_SECONDS = 24 * 3600; // failures count towards a lock for a day after the last one

export interface AccountServices {
  accounts: AccountManager;
  authenticator: Authenticator;
  consents: ConsentMemory;
}

export interface AccountServiceDeps {
  config: Config;
  store: Store;
  audit?: Audit;
  /** for what goes wrong beside a sign-in (a lock notice not sent) */
  logger?: Logger;
  /** the time (ms) one-time codes are checked at; tests hand in their own */
  clock?: () => number;
}

/** The account services of one app: built once by createApp (or by the admin CLI) and handed to whoever needs them. */
export function accountServices({ config, store, audit = () => undefined, logger, clock = Date.now }: AccountServiceDeps): AccountServices {
  const guard = createLoginGuard(store, {
    maxFailures: config.lockout.maxFailures,
    lockSeconds: config.lockout.lockSeconds,
    failureMemorySeconds: FAILURE_MEMORY_SECONDS,
    usedStepMemorySeconds: USED_STEP_MEMORY_SECONDS,
  });
  const hasher = new PasswordHasher(config.passwordHash);
  hasher.warmUp();
  const accounts = new AccountManager(store, guard, config.branding.name, hasher);
  const notify = lockNotifier(config.lockout.notifyUrl, logger);
  return {
    accounts,
    authenticator: new Authenticator(accounts, guard, audit, { clock, notify }),
    consents: new ConsentMemory(store),
  };
}
