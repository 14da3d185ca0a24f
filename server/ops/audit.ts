import type { Logger } from './logger.ts';
import { labelledOnce, type Metrics } from './metrics.ts';

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
  const count = metrics ? counter(metrics) : undefined;
  return function audit(event, fields = {}) {
    if (stream.isLevelEnabled('info')) stream.info({ event, ...fields }, event);
    count?.(event, fields);
  };
}

/** A refused request's grant_type is whatever the client sent: only known ones become labels. */
const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);

/** The security counters follow the audit events, so the two never disagree. */
function counter(metrics: Metrics): (event: AuditEvent, fields: AuditFields) => void {
  const issued = labelledOnce((grantType, api) => metrics.tokensIssued.labels(grantType!, api!));
  const refused = labelledOnce((grantType, error) => metrics.tokensRefused.labels(grantType!, error!));
  const label = (v: unknown) => (typeof v === 'string' && v ? v : 'none');
  return (event, fields) => {
    switch (event) {
      case 'token.issued':
        issued(label(fields.grant_type), label(fields.api)).inc();
        break;
      case 'token.refused':
        refused(GRANT_TYPES.has(String(fields.grant_type)) ? label(fields.grant_type) : 'other', label(fields.error)).inc();
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
  };
}
