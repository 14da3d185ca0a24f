import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** Security events, one log line each, on a stream of their own (`"stream":"audit"`). */
export type AuditEvent =
  | 'token.issued'
  | 'token.refused'
  | 'login.succeeded'
  | 'login.failed'
  | 'account.locked'
  | 'login.source_blocked'
  | 'consent.granted'
  | 'consent.denied'
  | 'consent.revoked'
  | 'client.created'
  | 'client.registered'
  | 'client.updated'
  | 'client.deleted'
  | 'client.secret_rotated'
  | 'iat.issued'
  | 'iat.revoked'
  | 'keys.rotated'
  | 'ciba.requested'
  | 'ciba.approved'
  | 'ciba.denied'
  | 'ciba.answer_refused'
  | 'ciba.notify_failed';

export type AuditFields = Record<string, string | number | boolean | undefined>;
export type Audit = (event: AuditEvent, fields?: AuditFields) => void;

/** Never pass secrets, tokens, codes or passwords here: fields name who, what and why only. */
export function createAudit(logger: Logger, metrics?: Metrics): Audit {
  const stream = logger.child({ stream: 'audit' });
  return function audit(event, fields = {}) {
    stream.info({ event, ...fields }, event);
    if (metrics) count(metrics, event, fields);
  };
}

/** The security counters follow the audit events, so the two never disagree. */
function count(metrics: Metrics, event: AuditEvent, fields: AuditFields): void {
  const label = (v: unknown) => (typeof v === 'string' && v ? v : 'none');
  switch (event) {
    case 'token.issued':
      metrics.tokensIssued.inc({ grant_type: label(fields.grant_type), api: label(fields.api) });
      break;
    case 'token.refused':
      metrics.tokensRefused.inc({ grant_type: label(fields.grant_type), error: label(fields.error) });
      break;
    case 'login.succeeded':
      metrics.logins.inc({ outcome: 'succeeded' });
      break;
    case 'login.failed':
      metrics.logins.inc({ outcome: 'failed' });
      break;
    case 'account.locked':
    case 'login.source_blocked':
      metrics.logins.inc({ outcome: 'locked' });
      break;
    default:
  }
}
