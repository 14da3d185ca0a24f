import type { AppDeps } from '../deps.ts';
import { AccountManager } from './accounts.ts';
import { Authenticator } from './authenticate.ts';
import { ConsentMemory } from './consents.ts';
import { createLoginGuard } from './guard.ts';
import { warmUpDummyHash } from './password.ts';
import { USED_STEP_MEMORY_SECONDS } from './totp.ts';

const FAILURE_MEMORY_SECONDS = 24 * 3600; // failures count towards a lock for a day after the last one

export interface AccountServices {
  accounts: AccountManager;
  authenticator: Authenticator;
  consents: ConsentMemory;
}

type ServiceDeps = Pick<AppDeps, 'config' | 'store'> & Partial<Pick<AppDeps, 'audit'>>;

const built = new WeakMap<ServiceDeps, AccountServices>();

/** The account services of one app (the provider hooks and the interaction pages share them). */
export function accountServices(deps: ServiceDeps): AccountServices {
  let services = built.get(deps);
  if (!services) {
    const { config, store, audit = () => undefined } = deps;
    const guard = createLoginGuard(store, config.redisKeyPrefix, {
      ...config.lockout,
      failureMemorySeconds: FAILURE_MEMORY_SECONDS,
      usedStepMemorySeconds: USED_STEP_MEMORY_SECONDS,
    });
    const accounts = new AccountManager(store, guard);
    services = { accounts, authenticator: new Authenticator(accounts, guard, audit), consents: new ConsentMemory(store) };
    built.set(deps, services);
    warmUpDummyHash();
  }
  return services;
}
