import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

function loggedInDuringThisRequest(ctx: KoaContextWithOIDC): boolean {
  return Boolean((ctx.oidc.result as { login?: unknown } | undefined)?.login);
}

/**
 * oidc-provider's prompts, with one more login check: every authorization request is
 * authenticated with both factors afresh (PSD2 RTS art. 4), so a browser session left behind
 * by an earlier login never stands in for the customer. Consent is still remembered.
 */
export function scaInteractionPolicy(
  /** true when the request carries details (an API's extra attributes) the customer must confirm each time */
  carriesDetails: (ctx: KoaContextWithOIDC) => boolean = () => false,
): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  policy
    .get('consent')!
    .checks.add(
      new interactionPolicy.Check(
        'details_need_consent',
        'the request carries details the customer must confirm',
        'consent_required',
        (ctx) =>
          carriesDetails(ctx) && !(ctx.oidc.result as { consent?: unknown } | undefined)?.consent
            ? interactionPolicy.Check.REQUEST_PROMPT
            : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check(
        'sca_per_authorization',
        'strong customer authentication is required for every authorization',
        'login_required',
        (ctx) => (loggedInDuringThisRequest(ctx) ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
      ),
    );
  return policy;
}
