/*
 * oidc-provider's own modules that Valtuus reaches into (opaque_tokens.ts). The package ships
 * no types for them; these declarations state only what is used, and a test checks that the
 * shapes still hold after an upgrade.
 */
declare module 'oidc-provider/lib/shared/reject_structured_tokens.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';
  export default function rejectStructuredTokens(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void>;
}

declare module 'oidc-provider/lib/actions/introspection.js' {
  const steps: unknown[];
  export default steps;
}

declare module 'oidc-provider/lib/actions/revocation.js' {
  const steps: unknown[];
  export default steps;
}
