import type { Configuration } from 'oidc-provider';

import type { Config } from '../../config/index.ts';

type Fetch = NonNullable<Configuration['fetch']>;

/**
 * oidc-provider fetches what clients publish (a `jwks_uri`) through a dispatcher that never
 * connects to private, loopback or other special-use addresses (SSRF protection). In
 * development and tests a TPP's keys usually live on localhost, so there the fetch goes out
 * without that dispatcher; production keeps it (docs/userinfo_and_api_tokens.md).
 */
export function clientDocumentFetch(env: Config['env']): { fetch?: Fetch } {
  if (env === 'production') return {};
  return {
    fetch(url, options) {
      const { dispatcher: _ssrfGuard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return fetch(url, rest);
    },
  };
}
