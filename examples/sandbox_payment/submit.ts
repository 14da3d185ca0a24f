import * as oauth from 'oauth4webapi';

const insecure = { [oauth.allowInsecureRequests]: true } as const; // the sandbox and its tests run on http://localhost

/**
 * Submits a payment to the Service API with a DPoP-bound access token. oauth4webapi hands a
 * refusal's challenge (RFC 6750 §3) over as an error carrying the response: it is answered as
 * the response, so a caller reads every outcome alike.
 */
export function submitPayment(accessToken: string, apiUrl: string, dpop: oauth.DPoPHandle, body: object): Promise<Response> {
  return oauth
    .protectedResourceRequest(
      accessToken,
      'POST',
      new URL(`${apiUrl}/payments`),
      new Headers({ 'content-type': 'application/json' }),
      JSON.stringify(body),
      { DPoP: dpop, ...insecure },
    )
    .catch((err: unknown) => {
      if (err instanceof oauth.WWWAuthenticateChallengeError) return err.response;
      throw err;
    });
}
