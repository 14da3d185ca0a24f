/** The client authentication methods a registration may name (a module of its own: the admin CLI's help reads it without loading oidc-provider). */
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
