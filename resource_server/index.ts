export { createTokenVerifier, requireToken } from './middleware.ts';
export type { ProtectionOptions, TokenState, TokenVerifierOptions } from './middleware.ts';
export { AuthorizationServerUnavailable, TokenError } from './errors.ts';
export type { IntrospectionOptions } from './introspection.ts';
export type { DpopOptions } from './dpop.ts';
export type { ResourceLogger, VerifiedToken } from './types.ts';
