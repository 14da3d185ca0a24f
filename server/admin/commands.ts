import type { Config } from '../../config/index.ts';
import { AUTH_METHODS } from '../clients/auth_methods.ts';
import { CLIENT_OPTIONS, CLIENT_USAGE, clientChanges, list } from './client_options.ts';
import { iatCommands } from './iat_commands.ts';
import { withAdminSession } from './session.ts';
import { userCommands } from './user_commands.ts';
import { keyCommands } from './key_commands.ts';
import { grantCommands } from './grant_commands.ts';

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

export function onePositional(ctx: CommandContext, what: string): string {
  const [value, ...extra] = ctx.positionals;
  if (!value || extra.length) throw new Error(`expected exactly one ${what}`);
  return value;
}

export const commands: Record<string, Command> = {
  'client create': {
    summary: 'register a TPP client; prints its client_id and (only here) its secret',
    usage: `--name N --grant-types g1,g2 ${CLIENT_USAGE} [--resource-server-api API_ID] [--allow-legacy-grants] [--backchannel-notification-endpoint URL]`,
    details: `auth methods: ${AUTH_METHODS.join(', ')}`,
    options: {
      ...CLIENT_OPTIONS,
      'resource-server-api': { type: 'string' },
      'allow-legacy-grants': { type: 'boolean' },
      'backchannel-notification-endpoint': { type: 'string' },
    },
    async run(ctx) {
      const v = ctx.values as Record<string, string | undefined>;
      if (!v.name) throw new Error('--name is required');
      const grantTypes = list(v['grant-types']);
      if (!grantTypes.length) throw new Error('--grant-types is required (for example client_credentials)');
      const changes = await clientChanges(ctx);
      return withAdminSession(ctx.loadConfig(), ({ clients }) =>
        clients.create({
          ...changes,
          name: v.name!,
          grantTypes,
          ...(v['resource-server-api'] ? { extra: { resource_server_api: v['resource-server-api'] } } : {}),
          allowLegacyGrants: ctx.values['allow-legacy-grants'] === true,
          ...(v['backchannel-notification-endpoint'] ? { backchannelNotificationEndpoint: v['backchannel-notification-endpoint'] } : {}),
        }),
      );
    },
  },
  'client update': {
    summary: 'change a registration in place (same client_id); prints it, with a secret only when one was issued',
    usage: `CLIENT_ID [--name N] [--grant-types g1,g2] ${CLIENT_USAGE}`,
    details: 'Options not given stay as they are; the level rules are checked again.',
    options: CLIENT_OPTIONS,
    async run(ctx) {
      const id = onePositional(ctx, 'CLIENT_ID');
      const changes = await clientChanges(ctx);
      if (!Object.keys(changes).length) throw new Error('nothing to change: give at least one option');
      return withAdminSession(ctx.loadConfig(), ({ clients }) => clients.update(id, changes));
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
  ...iatCommands,
  ...keyCommands,
  ...userCommands,
  ...grantCommands,
};
