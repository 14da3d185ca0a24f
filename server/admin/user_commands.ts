import type { Command, CommandContext } from './commands.ts';
import { consentsOf } from './grant_commands.ts';
import { withAdminSession } from './session.ts';

function username(ctx: CommandContext): string {
  const [value, ...extra] = ctx.positionals;
  if (!value || extra.length) throw new Error('expected exactly one USERNAME');
  return value;
}

/** The password is the whole of stdin, less the line break `echo` or a heredoc adds. */
async function passwordFromStdin(ctx: CommandContext): Promise<string> {
  const password = (await ctx.readStdin()).replace(/\r?\n$/, '');
  if (!password)
    throw new Error('give the password on stdin, e.g. `printf %s "$PASSWORD" | npm run --silent admin -- user create --username U`');
  return password;
}

/** `user …` commands of the admin CLI. */
export const userCommands: Record<string, Command> = {
  'user list': {
    summary: 'list customers: username, sub, lock state (never a secret)',
    usage: '',
    async run(ctx) {
      if (ctx.positionals.length) throw new Error(`unexpected argument ${ctx.positionals[0]}`);
      return withAdminSession(ctx.loadConfig(), ({ accounts }) => accounts.list());
    },
  },
  'user show': {
    summary: "one customer: lock state, factors enrolled, consents (the customer's authorized apps)",
    usage: 'USERNAME',
    async run(ctx) {
      const name = username(ctx);
      return withAdminSession(ctx.loadConfig(), async (session) => {
        const account = await session.accounts.show(name);
        return {
          sub: account.sub,
          username: account.username,
          created_at: new Date(account.createdAt * 1000).toISOString(),
          status: await session.accounts.status(account.sub),
          factors: ['password', 'totp'],
          consents: await consentsOf(session, account.sub),
        };
      });
    },
  },
  'user create': {
    summary: 'enrol a customer; reads the password from stdin, prints the sub and the authenticator (TOTP) URI',
    usage: '--username U  < password',
    details:
      'The totp_uri is shown only here: hand it to the customer (as a QR code) for their authenticator app.\nusernames: 3 to 64 of a-z 0-9 . _ @ -, case-insensitive; passwords: 12 to 256 characters.',
    options: { username: { type: 'string' } },
    async run(ctx) {
      const name = ctx.values.username;
      if (typeof name !== 'string' || !name) throw new Error('--username is required');
      if (ctx.positionals.length) throw new Error(`unexpected argument ${ctx.positionals[0]}`);
      const password = await passwordFromStdin(ctx);
      return withAdminSession(ctx.loadConfig(), ({ accounts }) => accounts.create({ username: name, password }));
    },
  },
  'user delete': {
    summary: 'remove a customer; their refresh tokens stop working',
    usage: 'USERNAME',
    async run(ctx) {
      const name = username(ctx);
      return withAdminSession(ctx.loadConfig(), ({ accounts }) => accounts.delete(name));
    },
  },
  'user unlock': {
    summary: 'lift a lock after too many wrong passwords or codes, and clear the count',
    usage: 'USERNAME',
    async run(ctx) {
      const name = username(ctx);
      return withAdminSession(ctx.loadConfig(), ({ accounts }) => accounts.unlock(name));
    },
  },
  'user reset-totp': {
    summary: 'give a customer a new authenticator secret (the old one stops working); prints the new totp_uri',
    usage: 'USERNAME',
    async run(ctx) {
      const name = username(ctx);
      return withAdminSession(ctx.loadConfig(), ({ accounts }) => accounts.resetTotp(name));
    },
  },
};
