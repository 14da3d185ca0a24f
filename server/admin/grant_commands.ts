import type { Command, CommandContext } from './commands.ts';
import { withAdminSession, type AdminSession } from './session.ts';

function stringOption(ctx: CommandContext, name: string): string {
  const value = ctx.values[name];
  if (typeof value !== 'string' || !value) throw new Error(`--${name} is required`);
  if (ctx.positionals.length) throw new Error(`unexpected argument ${ctx.positionals[0]}`);
  return value;
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** A customer's consents as JSON: the app, what it may do, since and until (the same facts as /account/apps). */
export async function consentsOf(session: AdminSession, sub: string) {
  const entries = await session.consents.list(sub);
  return Promise.all(
    entries.map(async (entry) => {
      const [client, grant] = await Promise.all([session.provider.Client.find(entry.clientId), session.provider.Grant.find(entry.grantId)]);
      const resources = (grant?.resources ?? {}) as Record<string, string>;
      return {
        client_id: entry.clientId,
        client_name: client?.clientName ?? null,
        grant_id: entry.grantId,
        scope: String(grant?.openid?.scope ?? ''),
        resources,
        since: iso(entry.since),
        until: iso(entry.until),
      };
    }),
  );
}

/** `grant …` commands of the admin CLI: one customer's consents, and withdrawing one of them. */
export const grantCommands: Record<string, Command> = {
  'grant list': {
    summary: "list a customer's consents: each app, its scopes, since and until",
    usage: '--user USERNAME',
    options: { user: { type: 'string' } },
    async run(ctx) {
      const username = stringOption(ctx, 'user');
      return withAdminSession(ctx.loadConfig(), async (session) => {
        const account = await session.accounts.show(username);
        return { sub: account.sub, username: account.username, grants: await consentsOf(session, account.sub) };
      });
    },
  },
  'grant revoke': {
    summary: "withdraw an app's access for a customer: its refresh tokens fail and its access tokens are inactive at once",
    usage: '--user USERNAME --client CLIENT_ID',
    options: { user: { type: 'string' }, client: { type: 'string' } },
    async run(ctx) {
      const username = stringOption(ctx, 'user');
      const clientId = stringOption(ctx, 'client');
      return withAdminSession(ctx.loadConfig(), async (session) => {
        const account = await session.accounts.show(username);
        const grantId = await session.consents.withdraw(account.sub, clientId);
        if (!grantId) throw new Error(`${account.username} has no consent for client ${clientId}`);
        session.audit('consent.revoked', {
          sub: account.sub,
          username: account.username,
          client_id: clientId,
          grant_id: grantId,
          by: 'operator',
        });
        return { sub: account.sub, username: account.username, client_id: clientId, grant_id: grantId, revoked: true };
      });
    },
  },
};
