import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { Logger } from '../ops/logger.ts';

/*
 * A private_key_jwt client whose `jwks_uri` cannot be fetched fails with a bare "client
 * authentication failed" (invalid_client, as RFC 6749 §5.2 wants: the client learns nothing
 * more). The operator needs the reason: it is logged at warn, once per client and cause per
 * process, so a client retrying in a loop does not flood the log.
 */

const REFRESH_FAILED = 'client JSON Web Key Set failed to be refreshed'; // oidc-provider's wording
const REMEMBERED = 1000; // distinct client and cause pairs kept; the set starts over past that

function causes(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = err; e instanceof Error && chain.length < 10; e = e.cause) chain.push(e);
  return chain;
}

/** Why the key set could not be fetched, in words an operator can act on; undefined for other errors. */
export function jwksUriFailure(err: unknown): string | undefined {
  const chain = causes(err);
  const at = chain.findIndex((e) => (e as { error_description?: unknown }).error_description === REFRESH_FAILED);
  if (at < 0) return undefined;
  const below = chain.slice(at + 1);
  const messages = below.map((e) => e.message).join(': ');
  if (/special-use IP address/.test(messages))
    return 'jwks_uri resolves to a private, loopback or other special-use address, which is never fetched (SSRF protection)';
  if (below.some((e) => e.name === 'TimeoutError' || e.name === 'AbortError')) return 'jwks_uri did not answer in time';
  if (below.some((e) => e instanceof SyntaxError)) return 'jwks_uri did not return JSON';
  return `jwks_uri could not be used: ${messages || 'no reason given'}`;
}

export function logClientKeyFailures(provider: Provider, logger: Logger): void {
  const logged = new Set<string>();
  function warnOnce(ctx: KoaContextWithOIDC, err: unknown): void {
    const reason = jwksUriFailure(err);
    const client = ctx.oidc?.client;
    if (!reason || !client) return;
    const key = `${client.clientId}\n${reason}`;
    if (logged.has(key)) return;
    if (logged.size >= REMEMBERED) logged.clear();
    logged.add(key);
    const log: Logger = ctx.state?.log ?? logger;
    log.warn({ client_id: client.clientId, jwks_uri: client.jwksUri, reason }, 'client keys could not be fetched');
  }
  // the endpoints that authenticate clients or verify their signed requests
  provider.on('grant.error', warnOnce);
  provider.on('introspection.error', warnOnce);
  provider.on('revocation.error', warnOnce);
  provider.on('pushed_authorization_request.error', warnOnce);
  provider.on('authorization.error', warnOnce);
  provider.on('backchannel_authentication.error', warnOnce);
}
