import { z } from 'zod';

import sample from './apis.sample.json' with { type: 'json' };

export type SecurityLevel = 'low' | 'substantial' | 'high';

/** A customer-facing text in Finnish and Swedish beside the English `name`/`description` (README "Languages"). */
const translations = z
  .object({ fi: z.string().min(1).optional(), sv: z.string().min(1).optional() })
  .strict()
  .optional();

const scopeName = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes');

/** How an attribute's pattern is compiled, at start-up and for every request alike (Unicode mode). */
export function compileAttributePattern(pattern: string): RegExp {
  return new RegExp(pattern, 'u');
}

/** The algorithms a JWT access token may be signed with: asymmetric, as every signature of Valtuus. */
export const JWT_ACCESS_TOKEN_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

const apiSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  resource: z.url().refine((u) => !u.includes('#'), 'a resource indicator has no fragment (RFC 8707 §2)'),
  name: z.string().min(1),
  names: translations,
  level: z.enum(['low', 'substantial', 'high']),
  scopes: z.array(z.object({ name: scopeName, description: z.string().min(1), descriptions: translations })).min(1),
  tokenFormat: z.enum(['opaque', 'jwt']),
  // JWT access tokens only; unset = RS256 (RFC 9068 §2.1), or PS256 for a high API (docs/userinfo_and_api_tokens.md)
  jwtAlg: z.enum(JWT_ACCESS_TOKEN_ALGS).optional(),
  accessTokenTtl: z.number().int().min(30).max(86_400),
  refreshTokenTtl: z.number().int().min(60).max(31_536_000),
  extraAttributes: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z][a-z0-9_]*$/),
        where: z.enum(['token', 'authorization']),
        pattern: z.string().refine((p) => {
          try {
            compileAttributePattern(p);
            return true;
          } catch {
            return false;
          }
        }, 'not a valid regular expression in Unicode mode (the u flag)'),
        description: z.string().min(1),
        descriptions: translations,
      }),
    )
    .default([]),
  // the RFC 9396 authorization_details types the API takes (payment_initiation: see README "Payments")
  authorizationDetailsTypes: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).default([]),
});

export type ApiDefinition = z.infer<typeof apiSchema>;
export type ApiScope = ApiDefinition['scopes'][number];

const registrySchema = z
  .array(apiSchema)
  .min(1)
  .superRefine((apis, ctx) => {
    const seen = new Map<string, string>();
    for (const api of apis) {
      for (const { name } of api.scopes) {
        const other = seen.get(name);
        if (other)
          ctx.addIssue({
            code: 'custom',
            message: `scope "${name}" is declared by both ${other} and ${api.id}; scopes must be unique across APIs`,
          });
        seen.set(name, api.id);
      }
    }
    for (const api of apis) {
      if (api.level === 'high' && api.jwtAlg === 'RS256')
        ctx.addIssue({
          code: 'custom',
          message: `${api.id} is a high API: FAPI 2.0 Security Profile §5.4.1 allows PS256, ES256 or EdDSA, not RS256`,
        });
    }
    const resources = apis.map((a) => a.resource);
    if (new Set(resources).size !== resources.length) ctx.addIssue({ code: 'custom', message: 'two APIs share a resource identifier' });
  });

/** Validates a registry and returns it frozen; throws with every problem listed. */
export function parseApiRegistry(input: unknown): readonly ApiDefinition[] {
  const result = registrySchema.safeParse(input);
  if (!result.success) {
    throw new Error(`invalid API registry: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return Object.freeze(result.data.map((api) => Object.freeze(api)));
}

/** The sample registry (README "APIs and scopes"), used by the sandbox and the tests; API_REGISTRY names another file of this form. */
export const sampleApis = parseApiRegistry(sample);
