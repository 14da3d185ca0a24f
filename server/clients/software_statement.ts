import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { errors } from 'oidc-provider';

import type { Config } from '../../config/index.ts';

/** Verifies a software statement (RFC 7591 §2.3) and returns its claims as client metadata. */
export type SoftwareStatementVerifier = (statement: unknown) => Promise<Record<string, unknown>>;

// the directory signs with its own asymmetric keys; none, HS* and anything else are refused
const ALGORITHMS = ['PS256', 'ES256', 'RS256', 'EdDSA'];
// claims of the JWT itself, not client metadata
const JWT_CLAIMS = new Set(['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti']);
// open-banking directories' names for standard client metadata (RFC 7591 §2 names win when both are present)
const ALIASES: Record<string, string> = {
  software_client_name: 'client_name',
  software_redirect_uris: 'redirect_uris',
  software_jwks_endpoint: 'jwks_uri',
  software_logo_uri: 'logo_uri',
  software_client_uri: 'client_uri',
  software_policy_uri: 'policy_uri',
  software_tos_uri: 'tos_uri',
};

function keySet(keys: NonNullable<Config['softwareStatementKeys']>) {
  return 'url' in keys ? createRemoteJWKSet(new URL(keys.url)) : createLocalJWKSet(keys.jwks as never);
}

/** Maps the statement's claims to client metadata; the directory's names give way to the standard ones. */
export function statementMetadata(claims: JWTPayload): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (JWT_CLAIMS.has(claim) || value === undefined) continue;
    const name = ALIASES[claim] ?? claim;
    if (!(name in metadata) || !(claim in ALIASES)) metadata[name] = value;
  }
  return metadata;
}

/**
 * The trusted directory's keys come from SOFTWARE_STATEMENT_JWKS (a JWK Set or its URL). A
 * statement that no directory key verifies is unapproved; one that is malformed, expired or
 * otherwise broken is invalid (RFC 7591 §3.2.2).
 */
export function softwareStatementVerifier(keys: Config['softwareStatementKeys']): SoftwareStatementVerifier {
  const jwks = keys ? keySet(keys) : undefined;
  return async function verifySoftwareStatement(statement) {
    if (typeof statement !== 'string' || !statement) throw new errors.InvalidSoftwareStatement('software_statement must be a signed JWT');
    if (!jwks) throw new errors.UnapprovedSoftwareStatement('this server trusts no software statement directory');
    try {
      const { payload } = await jwtVerify(statement, jwks, { algorithms: ALGORITHMS });
      return statementMetadata(payload);
    } catch (err) {
      if (
        err instanceof joseErrors.JWKSNoMatchingKey ||
        err instanceof joseErrors.JWKSMultipleMatchingKeys ||
        err instanceof joseErrors.JWSSignatureVerificationFailed
      ) {
        throw new errors.UnapprovedSoftwareStatement('the software statement is not signed by a trusted directory key');
      }
      const reason = err instanceof joseErrors.JOSEError ? err.message : 'it could not be verified';
      throw new errors.InvalidSoftwareStatement(`the software statement is invalid: ${reason}`);
    }
  };
}
