import type { Command } from './commands.ts';
import { onePositional } from './commands.ts';
import { withAdminSession } from './session.ts';

/** Initial access tokens for dynamic client registration (RFC 7591 §3; README "Registering clients"). */
export const iatCommands: Record<string, Command> = {
  'iat create': {
    summary: 'issue an initial access token for dynamic client registration (shown only here)',
    usage: '[--expires-in SECONDS] [--scope "s1 s2"]',
    details: 'Default lifetime a week. --scope binds the token to the APIs of those scopes: it registers clients of those APIs only.',
    options: { 'expires-in': { type: 'string' }, scope: { type: 'string' } },
    async run(ctx) {
      const v = ctx.values as Record<string, string | undefined>;
      const expiresIn = v['expires-in'] === undefined ? undefined : Number(v['expires-in']);
      return withAdminSession(ctx.loadConfig(), ({ iats }) =>
        iats.create({ ...(expiresIn === undefined ? {} : { expiresIn }), ...(v.scope ? { scope: v.scope } : {}) }),
      );
    },
  },
  'iat list': {
    summary: 'list live initial access tokens (their ids, never their values)',
    usage: '',
    async run(ctx) {
      return withAdminSession(ctx.loadConfig(), ({ iats }) => iats.list());
    },
  },
  'iat revoke': {
    summary: 'revoke an initial access token at once',
    usage: 'ID (as `iat list` shows it, or the token itself)',
    async run(ctx) {
      const id = onePositional(ctx, 'ID');
      return withAdminSession(ctx.loadConfig(), ({ iats }) => iats.revoke(id));
    },
  },
};
