import type { Context, Middleware, Next } from 'koa';

import { createDpopVerifier, DEFAULT_DPOP_ALGS, type DpopOptions } from './dpop.ts';
import { AuthorizationServerUnavailable, TokenError, insufficientScope, invalidToken, type AuthScheme } from './errors.ts';
import { presentedProof, presentedToken, type PresentedToken } from './extract.ts';
import { createIntrospector, type IntrospectionOptions } from './introspection.ts';
import { createJwtVerifier, looksLikeJwt, type JwtOptions } from './jwt.ts';
import { respondTokenError, respondUnauthenticated, respondUnavailable, type ChallengePolicy } from './respond.ts';
import type { ResourceLogger, VerifiedToken } from './types.ts';

/** How tokens are checked: shared by every route of one resource server process. */
export interface TokenVerifierOptions {
  /** the authorization server's issuer identifier, without trailing slash */
  issuer: string;
  /** for opaque tokens; without it only JWT access tokens are accepted */
  introspection?: IntrospectionOptions;
  /** for JWT access tokens; default `<issuer>/jwks` */
  jwksUri?: string;
  jwt?: Omit<JwtOptions, 'jwksUri'>;
  dpop?: Omit<DpopOptions, 'required'>;
  /** this API's public origin (scheme, host, port), for DPoP htu; default: the request's own */
  origin?: string;
  logger?: ResourceLogger;
}

/** What one route demands of a token. */
export interface ProtectionOptions {
  /** the API's resource identifier (RFC 8707), which the token's aud must contain */
  audience: string;
  /** every one of these must have been granted */
  scopes?: readonly string[];
  /** only DPoP-bound tokens (RFC 9449), as FAPI 2.0 requires */
  requireDpop?: boolean;
}

export type TokenState = { token: VerifiedToken };

export function createTokenVerifier(options: TokenVerifierOptions) {
  const { issuer, logger } = options;
  const introspect = options.introspection ? createIntrospector(issuer, options.introspection) : undefined;
  const verifyJwt = createJwtVerifier(issuer, { ...options.jwt, ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}) });
  const verifyProof = createDpopVerifier(options.dpop);
  const dpopAlgs = options.dpop?.algs ?? DEFAULT_DPOP_ALGS;

  async function verifyAccessToken(token: string): Promise<VerifiedToken> {
    if (looksLikeJwt(token)) return verifyJwt(token);
    if (!introspect) throw invalidToken('this API accepts only JWT access tokens');
    return introspect(token);
  }

  function requestUrl(ctx: Context): URL {
    return options.origin ? new URL(ctx.originalUrl, options.origin) : new URL(ctx.href);
  }

  /** RFC 9449 §7.1-7.2: a bound token needs the DPoP scheme and a proof; an unbound one the Bearer scheme. */
  async function checkBinding(ctx: Context, presented: PresentedToken, token: VerifiedToken, requireDpop: boolean): Promise<void> {
    if (!token.jkt && requireDpop) throw invalidToken('this API accepts only DPoP-bound access tokens', 'DPoP');
    if (!token.jkt) {
      if (presented.scheme === 'DPoP') throw invalidToken('the access token is not DPoP-bound: send it with the Bearer scheme');
      return;
    }
    if (presented.scheme !== 'DPoP') {
      throw invalidToken('the access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof', 'DPoP');
    }
    const proof = presentedProof(ctx);
    await verifyProof({ proof, method: ctx.method, url: requestUrl(ctx), accessToken: presented.value, jkt: token.jkt });
  }

  async function authenticate(ctx: Context, presented: PresentedToken, protection: ProtectionOptions): Promise<VerifiedToken> {
    const token = await verifyAccessToken(presented.value);
    if (!token.aud.includes(protection.audience)) throw invalidToken(`the access token is not meant for this API (${protection.audience})`);
    await checkBinding(ctx, presented, token, protection.requireDpop ?? false);
    const required = protection.scopes ?? [];
    if (!required.every((s) => token.scopes.includes(s))) throw insufficientScope(required);
    return token;
  }

  function refuse(ctx: Context, err: unknown, policy: ChallengePolicy, scheme: AuthScheme | undefined): void {
    if (err instanceof TokenError) return respondTokenError(ctx, err, policy, scheme);
    if (err instanceof AuthorizationServerUnavailable) {
      logger?.warn({ err }, 'authorization server unavailable');
      return respondUnavailable(ctx, err);
    }
    throw err;
  }

  /** A Koa middleware that lets a request through only with a token fit for this route. */
  function protect(protection: ProtectionOptions): Middleware {
    const policy: ChallengePolicy = { realm: protection.audience, dpopRequired: protection.requireDpop ?? false, dpopAlgs };
    return async function requireAccessToken(ctx: Context, next: Next): Promise<void> {
      let presented: PresentedToken | undefined;
      try {
        presented = presentedToken(ctx);
        if (!presented) return respondUnauthenticated(ctx, policy);
        ctx.state.token = await authenticate(ctx, presented, protection);
      } catch (err) {
        return refuse(ctx, err, policy, presented?.scheme);
      }
      try {
        await next();
      } catch (err) {
        // a route's own refusal of the token (authorization details that do not cover the request) gets the same challenge
        if (err instanceof TokenError) return respondTokenError(ctx, err, policy, presented.scheme);
        throw err;
      }
    };
  }

  return { verifyAccessToken, protect };
}

/** One route's middleware in one call: `requireToken({ issuer, audience, scopes, introspection })`. */
export function requireToken(options: TokenVerifierOptions & ProtectionOptions): Middleware {
  return createTokenVerifier(options).protect(options);
}
