/**
 * The baseline: node-oidc-provider as it comes (the version Valtuus installs), one process, its
 * default in-memory adapter, opaque tokens, and the features the benchmark scenarios need —
 * client credentials, refresh tokens (rotated), introspection, PKCE, one resource indicator —
 * so that it does the same work per request as Valtuus. Its login is devInteractions: no
 * password hashing and no second factor, which the table notes. The default adapter is an LRU
 * of 1000 entries: older tokens are evicted, so the scenarios issue what they need just in time.
 *
 * Run by the harness: PORT, BASELINE_CLIENTS (JSON client list), COOKIE_KEYS, JWKS.
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { cloneRefreshTokens, type ModelAdapter } from '../lib/clone.ts';

export const BASELINE_RESOURCE = 'https://api.bench.example/data';
export const BASELINE_SCOPE = 'api:read';
const ACCESS_TOKEN_TTL = 900; // as the sample registry's public-data API

function configuration(): Configuration {
  return {
    clients: JSON.parse(process.env.BASELINE_CLIENTS ?? '[]') as Configuration['clients'],
    cookies: { keys: (process.env.COOKIE_KEYS ?? '').split(',') },
    jwks: JSON.parse(process.env.JWKS ?? '{"keys":[]}') as Configuration['jwks'],
    scopes: ['openid', 'offline_access', BASELINE_SCOPE],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => BASELINE_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: BASELINE_SCOPE,
          audience: BASELINE_RESOURCE,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'opaque',
        }),
      },
    },
    // the same refresh token policy as Valtuus: issued to clients allowed the grant, rotated, not tied to the session
    issueRefreshToken: async (_ctx: KoaContextWithOIDC, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
  };
}

/** POST /bench/clone-refresh?seed=…&count=… — the baseline's way to fill a refresh-token pool. */
function cloneRoute(provider: Provider) {
  const adapterFor = (model: string) => (provider as unknown as Record<string, { adapter: ModelAdapter }>)[model]!.adapter;
  return async function benchClone(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    if (ctx.method !== 'POST' || ctx.path !== '/bench/clone-refresh') return next();
    const seed = String(ctx.query.seed ?? '');
    const count = Math.min(Number(ctx.query.count) || 0, 300); // the default adapter is an LRU of 1000 entries
    ctx.body = await cloneRefreshTokens(adapterFor, seed, count);
  };
}

function main(): void {
  const port = Number(process.env.PORT);
  const provider = new Provider(`http://127.0.0.1:${port}`, configuration());
  provider.use(cloneRoute(provider));
  createServer(provider.callback()).listen(port, '127.0.0.1', () => process.stdout.write(`baseline listening on ${port}\n`));
  process.once('SIGTERM', () => process.exit(0));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
