import type { Logger } from './logger.ts';

/** Security events, one log line each, on a stream of their own (`"stream":"audit"`). */
export type AuditEvent =
  | 'token.issued'
  | 'token.refused'
  | 'login.succeeded'
  | 'login.failed'
  | 'account.locked'
  | 'consent.granted'
  | 'consent.denied'
  | 'consent.revoked'
  | 'client.created'
  | 'client.deleted'
  | 'client.secret_rotated'
  | 'keys.rotated';

export type AuditFields = Record<string, string | number | boolean | undefined>;
export type Audit = (event: AuditEvent, fields?: AuditFields) => void;

/** Never pass secrets, tokens, codes or passwords here: fields name who, what and why only. */
export function createAudit(logger: Logger): Audit {
  const stream = logger.child({ stream: 'audit' });
  return function audit(event, fields = {}) {
    stream.info({ event, ...fields }, event);
  };
}
