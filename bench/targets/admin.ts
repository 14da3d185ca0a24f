import { randomBytes } from 'node:crypto';

import type { Command } from '../../server/admin/commands.ts';
import { NotAvailable } from '../scenarios/types.ts';

export type AdminRun = (name: string, values: Record<string, string>, stdin?: string) => Promise<Record<string, unknown>>;

/**
 * The admin CLI's own commands, run in this process against the server's Redis (the CLI is a
 * thin wrapper). Each command starts an app and closes it, but leaves prom-client's event-loop
 * monitor of that app running: a timer firing every 10 ms, for good. A few are nothing; one per
 * customer (thousands) would burn a fifth of the machine in whichever process ran them, so
 * customers are created in a process of their own (create_customers.ts).
 */
export async function adminCommands(env: NodeJS.ProcessEnv): Promise<AdminRun> {
  const [{ commands }, { loadConfig }, { generateSigningJwks }] = await Promise.all([
    import('../../server/admin/commands.ts'),
    import('../../config/index.ts'),
    import('../../server/signing_keys.ts'),
  ]);
  return async (name, values, stdin = '') => {
    const command: Command | undefined = commands[name];
    if (!command) throw new NotAvailable(`the admin CLI has no "${name}" command yet`);
    const result = await command.run({
      values,
      positionals: [],
      loadConfig: () => loadConfig({ ...env, LOG_LEVEL: 'silent' }, { generateJwks: generateSigningJwks }),
      readStdin: async () => stdin,
    });
    return result as Record<string, unknown>;
  };
}

/** What `user create` hands back that a scripted customer needs; the password is chosen here. */
export interface CreatedCustomer {
  username: string;
  password: string;
  totpUri: string;
}

export async function createCustomer(admin: AdminRun, username: string): Promise<CreatedCustomer> {
  const password = randomBytes(18).toString('base64url');
  const created = await admin('user create', { username }, password);
  if (typeof created.totp_uri !== 'string') throw new Error('"user create" printed no totp_uri');
  return { username, password, totpUri: created.totp_uri };
}
