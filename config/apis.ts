import { z } from 'zod';

export type SecurityLevel = 'low' | 'substantial' | 'high';

const scopeName = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes');

const apiSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  resource: z.url().refine((u) => !u.includes('#'), 'a resource indicator has no fragment (RFC 8707 §2)'),
  name: z.string().min(1),
  level: z.enum(['low', 'substantial', 'high']),
  scopes: z.array(z.object({ name: scopeName, description: z.string().min(1) })).min(1),
  tokenFormat: z.enum(['opaque', 'jwt']),
  accessTokenTtl: z.number().int().min(30).max(86_400),
  refreshTokenTtl: z.number().int().min(60).max(31_536_000),
  extraAttributes: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z][a-z0-9_]*$/),
        where: z.enum(['token', 'authorization']),
        pattern: z.string().refine((p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        }, 'not a valid regular expression'),
        description: z.string().min(1),
      }),
    )
    .default([]),
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

export const sampleApis = parseApiRegistry([
  {
    id: 'public-data',
    resource: 'https://api.valtuus.example/public-data',
    name: 'Public data',
    level: 'low',
    scopes: [{ name: 'public:read', description: 'Read public data such as exchange rates and branch locations' }],
    tokenFormat: 'opaque',
    accessTokenTtl: 900,
    refreshTokenTtl: 86_400,
  },
  {
    id: 'accounts',
    resource: 'https://api.valtuus.example/accounts',
    name: 'Accounts',
    level: 'substantial',
    scopes: [
      { name: 'accounts:read', description: 'See your accounts, balances and transactions' },
      { name: 'accounts:write', description: 'Change account settings such as nicknames and notifications' },
    ],
    tokenFormat: 'opaque',
    accessTokenTtl: 600,
    refreshTokenTtl: 2_592_000,
  },
  {
    id: 'payments',
    resource: 'https://api.valtuus.example/payments',
    name: 'Payments',
    level: 'high',
    scopes: [{ name: 'payments:write', description: 'Start payments from your accounts' }],
    extraAttributes: [
      {
        name: 'debtor_account',
        where: 'authorization',
        pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$',
        description: 'the account the payments are made from, as an IBAN',
      },
    ],
    tokenFormat: 'opaque',
    accessTokenTtl: 300,
    refreshTokenTtl: 86_400,
  },
]);
