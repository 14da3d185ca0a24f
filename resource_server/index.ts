export { createTokenVerifier, requireToken } from './middleware.ts';
export type { ProtectionOptions, TokenState, TokenVerifierOptions } from './middleware.ts';
export { AuthorizationServerUnavailable, TokenError } from './errors.ts';
export type { IntrospectionOptions } from './introspection.ts';
export type { DpopOptions } from './dpop.ts';
export type { AuthorizationDetail, ResourceLogger, VerifiedToken } from './types.ts';
export { detailsOfType, insufficientAuthorization, memoryUseRecord, tokenUsed } from './authorization_details.ts';
export type { UseRecord } from './authorization_details.ts';
