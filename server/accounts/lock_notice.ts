import type { Logger } from '../ops/logger.ts';
import type { LockNotice, LockNotifier } from './authenticate.ts';

const TIMEOUT_MS = 2000; // the sign-in answers at once; the notice is sent beside it

/**
 * README "Lockout": a lock is POSTed as JSON to LOCKOUT_NOTIFY_URL (the bank's messaging
 * service tells the customer). Best effort: a failure is logged and the sign-in is not held up.
 */
export function lockNotifier(url: string | undefined, logger: Logger | undefined): LockNotifier {
  if (!url) return () => undefined;
  return function notifyLock(notice: LockNotice): void {
    const body = JSON.stringify({
      event: notice.scope === 'account' ? 'account.locked' : 'login.source_blocked',
      sub: notice.sub,
      source: notice.source,
      at: new Date().toISOString(),
    });
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS) })
      .then(async (res) => {
        await res.body?.cancel();
        if (!res.ok) logger?.warn({ status: res.status }, 'lock notice refused');
      })
      .catch((err: Error) => logger?.warn({ err: { message: err.message } }, 'lock notice not sent'));
  };
}
