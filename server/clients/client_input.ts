import type { AdapterPayload } from '../../adapters/types.ts';
import { responseTypesFor, type TokenResponseProfile } from '../policy/client_metadata.ts';
import type { AuthMethod } from './auth_methods.ts';

export interface ClientInput {
  name: string;
  grantTypes: string[];
  redirectUris?: string[];
  scope?: string;
  authMethod?: AuthMethod;
  jwksUri?: string;
  jwks?: { keys: object[] };
  tokenResponseProfile?: TokenResponseProfile;
  /** shown to customers on the consent page (RFC 7591 §2) */
  logoUri?: string;
  clientUri?: string;
  policyUri?: string;
  tosUri?: string;
  contacts?: string[];
  extra?: Record<string, unknown>;
  /** implicit and password are off unless a client is registered with this flag */
  allowLegacyGrants?: boolean;
  /** CIBA ping mode: where the client is told a request was answered (poll mode without it) */
  backchannelNotificationEndpoint?: string;
  /** fixed ids for the sandbox's demo client; otherwise generated */
  clientId?: string;
  clientSecret?: string;
}

/** What `client update` may change; what is not given stays as it is. */
export type ClientChanges = Partial<Omit<ClientInput, 'clientId' | 'clientSecret' | 'allowLegacyGrants'>>;

/** The metadata a set of options stands for, in RFC 7591 §2 names; options not given are left out. */
export function metadataOf(input: ClientChanges): AdapterPayload {
  const fields: [string, unknown][] = [
    ['client_name', input.name],
    ['grant_types', input.grantTypes],
    ['response_types', input.grantTypes && responseTypesFor(input.grantTypes)],
    ['redirect_uris', input.redirectUris],
    ['scope', input.scope],
    ['token_endpoint_auth_method', input.authMethod],
    ['jwks_uri', input.jwksUri],
    ['jwks', input.jwks],
    ['token_response_profile', input.tokenResponseProfile],
    ['logo_uri', input.logoUri],
    ['client_uri', input.clientUri],
    ['policy_uri', input.policyUri],
    ['tos_uri', input.tosUri],
    ['contacts', input.contacts],
  ];
  return Object.fromEntries(fields.filter(([, value]) => value !== undefined));
}
