import type { Command } from './commands.ts';

/** `user …` commands of the admin CLI. */
export const userCommands: Record<string, Command> = {};
