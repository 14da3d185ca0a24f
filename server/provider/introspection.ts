import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import type { ApiRegistry } from '../policy/registry.ts';
import { allowedToIntrospect } from './features.ts';
import type { FindJwtAccessToken, FoundJwt } from './jwt_access_tokens.ts';

/*
 * The introspection and revocation endpoints for JWT access tokens (RFC 7662 §2.2, RFC 7009
 * §2.1), and `sub` for client-credentials tokens. oidc-provider authenticates the caller and
 * then refuses any JWT with `unsupported_token_type`; that refusal of a JWT this server
 * signed and recorded (jwt_access_tokens.ts) is replaced by the answer oidc-provider gives
 * for an opaque token: the same policy, the same grant checks, the JWT's own claims.
 */

type Next = () => Promise<void>;

function refusedAsStructured(ctx: KoaContextWithOIDC): boolean {
  const body = ctx.body as { error?: unknown } | undefined;
  return ctx.status === 400 && body?.error === 'unsupported_token_type' && ctx.oidc.client !== undefined;
}

/** The grant a token stands on still exists, for the same client and customer (as oidc-provider checks). */
async function grantStands(provider: Provider, { token }: FoundJwt): Promise<boolean> {
  if (!('grantId' in token) || !token.grantId) return true;
  const grant = await provider.Grant.find(token.grantId, { ignoreExpiration: true });
  const { accountId } = token;
  return Boolean(grant && !grant.isExpired && grant.clientId === token.clientId && grant.accountId === accountId);
}

async function introspectJwt(ctx: KoaContextWithOIDC, registry: ApiRegistry, found: FoundJwt | undefined): Promise<void> {
  ctx.status = 200;
  ctx.body = { active: false };
  if (!found || !(await grantStands(ctx.oidc.provider, found))) return;
  const token = { clientId: found.token.clientId, aud: found.claims.aud };
  if (!(await allowedToIntrospect(ctx.oidc.provider, registry, ctx.oidc.client!, token))) return;
  const cnf = found.claims.cnf as { jkt?: unknown } | undefined;
  ctx.body = { ...found.claims, active: true, token_type: cnf?.jkt ? 'DPoP' : 'Bearer' };
}

/** Past oidc-provider's own error handler, its errors are answered the way it answers them (RFC 6749 §5.2). */
function respondWithError(ctx: KoaContextWithOIDC, err: unknown): void {
  if (!(err instanceof errors.OIDCProviderError)) throw err;
  ctx.status = err.statusCode;
  ctx.body = { error: err.error, error_description: err.error_description };
}

async function revokeJwt(ctx: KoaContextWithOIDC, found: FoundJwt | undefined): Promise<void> {
  if (found && found.token.clientId !== ctx.oidc.client!.clientId) {
    throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
  }
  await found?.token.destroy();
  ctx.status = 200;
  ctx.body = '';
}

/** RFC 9068 §2.2: a token a client got for itself has the client as its subject, in introspection too. */
function subjectOfClientCredentials(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as Record<string, unknown> | undefined;
  if (ctx.status !== 200 || !body?.active || body.sub !== undefined || !ctx.oidc.entities.ClientCredentials) return;
  body.sub = body.client_id;
}

export function introspectionAndRevocationSteps(registry: ApiRegistry, findJwt: FindJwtAccessToken) {
  return async function jwtIntrospectionAndRevocation(ctx: KoaContextWithOIDC, next: Next): Promise<void> {
    await next();
    const route = ctx.oidc?.route;
    if (route !== 'introspection' && route !== 'revocation') return;
    if (!refusedAsStructured(ctx)) {
      if (route === 'introspection') subjectOfClientCredentials(ctx);
      return;
    }
    try {
      const found = await findJwt(String(ctx.oidc.params?.token ?? ''));
      if (route === 'introspection') await introspectJwt(ctx, registry, found);
      else await revokeJwt(ctx, found);
    } catch (err) {
      respondWithError(ctx, err);
    }
  };
}
