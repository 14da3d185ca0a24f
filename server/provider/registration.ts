import type { Configuration } from 'oidc-provider';

import type { Config } from '../../config/index.ts';
import { REGISTRATION_POLICY, apiBindingPolicy, registrationPolicy } from '../clients/registration_policy.ts';
import { generateClientId } from '../clients/manage.ts';
import { generateClientSecret } from '../clients/secrets.ts';
import { softwareStatementVerifier } from '../clients/software_statement.ts';
import type { ApiRegistry } from '../policy/registry.ts';

type Features = NonNullable<Configuration['features']>;

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592): an initial access
 * token from `iat create` is required, and every one carries Valtuus' registration policy.
 */
export function registrationFeatures(config: Config, registry: ApiRegistry): Pick<Features, 'registration' | 'registrationManagement'> {
  const policy = registrationPolicy(registry, softwareStatementVerifier(config.softwareStatementKeys), config.env === 'production');
  // a binding to an API is read by the registration policy; on its own it does nothing
  const bindings = Object.fromEntries(registry.apis.map((api) => [apiBindingPolicy(api.id), async () => undefined]));
  return {
    registration: {
      enabled: true,
      initialAccessToken: true,
      issueRegistrationAccessToken: true,
      policies: { [REGISTRATION_POLICY]: policy, ...bindings },
      secretFactory: async () => generateClientSecret(),
      idFactory: () => generateClientId(),
    },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
  };
}
