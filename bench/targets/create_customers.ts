/**
 * Creates the code flow's customers with the admin CLI's `user create`, in a process of its own
 * so that what each command leaves behind (see adminCommands) goes when it exits, instead of
 * running on in the harness, which is the load generator.
 *
 *   node bench/targets/create_customers.ts COUNT TAG     (in the server's environment)
 *
 * Prints one JSON line per customer on stdout (username, password, TOTP URI): the harness reads
 * them from the pipe and never shows them.
 */
import { mapLimit } from '../lib/net.ts';
import { adminCommands, createCustomer } from './admin.ts';

const CONCURRENCY = 4; // libuv's four threads hash the passwords

const [count, tag] = process.argv.slice(2);
if (!Number.isInteger(Number(count)) || !tag) throw new Error('usage: create_customers.ts COUNT TAG');
const admin = await adminCommands(process.env);
const customers = await mapLimit(
  Array.from({ length: Number(count) }, (_, i) => i + 1),
  CONCURRENCY,
  (i) => createCustomer(admin, `bench-${i}-${tag}`),
);
const lines = customers.map((c) => `${JSON.stringify(c)}\n`).join('');
// exit, not return: the commands' leftover timers would keep this process alive
process.stdout.write(lines, () => process.exit(0));
