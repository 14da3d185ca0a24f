/** What the ID token's `acr` says after password and one-time code (RFC 8176 `pwd` + `otp` in `amr`). */
export const SCA_ACR = 'urn:valtuus:acr:sca';
export const SCA_AMR: readonly string[] = Object.freeze(['pwd', 'otp']);
