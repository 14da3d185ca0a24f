import type { AppDeps } from '../deps.ts';
import type { ProviderHooks } from '../provider/configuration.ts';

/** The provider's account and grant hooks (findAccount, loadExistingGrant). */
export function accountProviderHooks(_deps: AppDeps): ProviderHooks {
  return {};
}
