import { parseArgs } from 'node:util';

import { ConfigError, loadConfig } from '../../config/index.ts';
import { generateSigningJwks } from '../signing_keys.ts';
import { commands, type Command, type CommandContext } from './commands.ts';
import { ValtuusError } from '../../lib/errors.ts';

/** A command line the CLI cannot run: exit code 2 and the usage. */
export class UsageError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_USAGE';
  override readonly code = 'ERR_VALTUUS_USAGE';
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(22)} ${c.summary}`);
  return ['usage: npm run --silent admin -- <command> [options]', '', 'commands:', ...lines, '', 'Each command takes --help.'].join('\n');
}

function commandHelp(name: string, command: Command): string {
  return [
    `usage: npm run --silent admin -- ${name} ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
  ].join('\n');
}

function resolveCommand(argv: string[]): { name: string; command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = commands[name];
    if (command) return { name, command, rest: argv.slice(words) };
  }
  return undefined;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(argv: string[]): Promise<number> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${usage()}\n`);
    return argv.length ? 0 : 2;
  }
  const found = resolveCommand(argv);
  if (!found) throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage()}`);
  const { name, command, rest } = found;
  // after `--` every word is an argument: a client id may begin with `-`
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(`${commandHelp(name, command)}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
  } catch (err) {
    const hint =
      (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? '\n(an argument that begins with "-", such as a client id, goes after "--")'
        : '';
    throw new UsageError(`${(err as Error).message}${hint}\n\n${commandHelp(name, command)}`);
  }
  const ctx: CommandContext = {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
    loadConfig: () => loadConfig({ ...process.env, LOG_LEVEL: 'silent' }, { generateJwks: generateSigningJwks }),
    readStdin,
  };
  const result = await command.run(ctx);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
