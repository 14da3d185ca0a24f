/** How a client's token responses are shaped (README "Token response profiles"); a module of its own, so the admin CLI's help loads no oidc-provider. */
export const TOKEN_RESPONSE_PROFILES = ['default', 'apigee'] as const;
export type TokenResponseProfile = (typeof TOKEN_RESPONSE_PROFILES)[number];
