import type { Config } from '../../config/index.ts';
import { AUTH_METHODS, type AuthMethod } from '../clients/auth_methods.ts';
import { withAdminSession } from './session.ts';
import { userCommands } from './user_commands.ts';
import { keyCommands } from './key_commands.ts';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  loadConfig: () => Config;
  readStdin: () => Promise<string>;
}

export interface Command {
  summary: string;
  usage: string;
  details?: string;
  options?: Record<string, OptionSpec>;
  run(ctx: CommandContext): Promise<unknown>;
}

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function onePositional(ctx: CommandContext, what: string): string {
  const [value, ...extra] = ctx.positionals;
  if (!value || extra.length) throw new Error(`expected exactly one ${what}`);
  return value;
}

function authMethod(value: string | undefined): AuthMethod | undefined {
  if (value === undefined) return undefined;
  if (!(AUTH_METHODS as readonly string[]).includes(value)) throw new Error(`--auth-method must be one of ${AUTH_METHODS.join(', ')}`);
  return value as AuthMethod;
}

export const commands: Record<string, Command> = {
  'client create': {
    summary: 'register a TPP client; prints its client_id and (only here) its secret',
    usage:
      '--name N --grant-types g1,g2 [--redirect-uris u1,u2] [--scope "s1 s2"] [--auth-method M] [--jwks-uri URL] [--resource-server-api API_ID]',
    details: `auth methods: ${AUTH_METHODS.join(', ')}`,
    options: {
      name: { type: 'string' },
      'grant-types': { type: 'string' },
      'redirect-uris': { type: 'string' },
      scope: { type: 'string' },
      'auth-method': { type: 'string' },
      'jwks-uri': { type: 'string' },
      'resource-server-api': { type: 'string' },
      'allow-legacy-grants': { type: 'boolean' },
    },
    async run(ctx) {
      const v = ctx.values as Record<string, string | undefined>;
      if (!v.name) throw new Error('--name is required');
      const grantTypes = list(v['grant-types']);
      if (!grantTypes.length) throw new Error('--grant-types is required (for example client_credentials)');
      const method = authMethod(v['auth-method']);
      return withAdminSession(ctx.loadConfig(), ({ clients }) =>
        clients.create({
          name: v.name!,
          grantTypes,
          redirectUris: list(v['redirect-uris']),
          ...(v.scope ? { scope: v.scope.trim().split(/\s+/).join(' ') } : {}),
          ...(method ? { authMethod: method } : {}),
          ...(v['jwks-uri'] ? { jwksUri: v['jwks-uri'] } : {}),
          ...(v['resource-server-api'] ? { extra: { resource_server_api: v['resource-server-api'] } } : {}),
          allowLegacyGrants: ctx.values['allow-legacy-grants'] === true,
        }),
      );
    },
  },
  'client list': {
    summary: 'list registered clients (never their secrets)',
    usage: '',
    async run(ctx) {
      return withAdminSession(ctx.loadConfig(), ({ clients }) => clients.list());
    },
  },
  'client show': {
    summary: "show one client's registration",
    usage: '[--] CLIENT_ID',
    async run(ctx) {
      const id = onePositional(ctx, 'CLIENT_ID');
      return withAdminSession(ctx.loadConfig(), ({ clients }) => clients.show(id));
    },
  },
  'client rotate-secret': {
    summary: 'issue a new secret (shown once); the old one stops working at once',
    usage: '[--] CLIENT_ID',
    async run(ctx) {
      const id = onePositional(ctx, 'CLIENT_ID');
      return withAdminSession(ctx.loadConfig(), ({ clients }) => clients.rotateSecret(id));
    },
  },
  'client delete': {
    summary: 'remove a client; its tokens stop being accepted',
    usage: '[--] CLIENT_ID',
    async run(ctx) {
      const id = onePositional(ctx, 'CLIENT_ID');
      return withAdminSession(ctx.loadConfig(), ({ clients }) => clients.delete(id));
    },
  },
  ...keyCommands,
  ...userCommands,
};
