import type { KoaContextWithOIDC } from 'oidc-provider';
import introspectionSteps from 'oidc-provider/lib/actions/introspection.js';
import revocationSteps from 'oidc-provider/lib/actions/revocation.js';
import rejectStructuredTokens from 'oidc-provider/lib/shared/reject_structured_tokens.js';

/*
 * oidc-provider's introspection and revocation endpoints first ask whether the token is a JWT
 * by trying to decode its protected header; for an opaque token (every token but the JWT
 * access tokens of some APIs) that try ends in a thrown and caught TypeError, which was 8.7 %
 * of the CPU of an introspection (bench/profile.md). A compact JWS has three dot-separated
 * parts and a JWE five, and jose decodes nothing else, so a token with any other number of
 * dots is passed on without the try: the same answer, without the exception. Tokens that could
 * be structured still meet oidc-provider's own step.
 */

function couldBeStructured(token: unknown): boolean {
  if (typeof token !== 'string') return true;
  let dots = 0;
  for (let at = token.indexOf('.'); at !== -1 && dots < 5; at = token.indexOf('.', at + 1)) dots += 1;
  return dots === 2 || dots === 4;
}

async function rejectStructuredTokensOnly(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  if (couldBeStructured(ctx.oidc.params?.token)) return rejectStructuredTokens(ctx, next);
  return next();
}

/**
 * Puts the cheaper step in place of oidc-provider's in both routes; must run before a Provider
 * is made (it copies the steps when constructed). Returns whether both routes have it, which a
 * test checks, so that an upgrade that moves the step is noticed rather than silently slower.
 */
export function skipStructuredTokenCheckForOpaqueTokens(): boolean {
  let installed = 0;
  for (const steps of [introspectionSteps, revocationSteps]) {
    const at = steps.indexOf(rejectStructuredTokens);
    if (at !== -1) steps[at] = rejectStructuredTokensOnly;
    if (steps.includes(rejectStructuredTokensOnly)) installed += 1;
  }
  return installed === 2;
}
