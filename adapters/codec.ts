import type { AdapterPayload } from './types.ts';

/**
 * The stored form is the payload's JSON with `consumed` always first when set, so that the
 * atomic consume (a Lua script on Redis) can tell a consumed object by its first bytes without
 * decoding JSON. A consumed record may carry, right after it and in this order, the store's own
 * members (docs/storage.md): `~by` the redemption that consumed it, `~at` when (ms) and `~next`
 * the refresh token it was rotated to, for the reuse grace window (those two only in the retry
 * record, docs/storage.md). oidc-provider never sees them; `~prev` is only in records written
 * before the retry record existed.
 */
export const CONSUMED_HEAD = '{"consumed":';

export interface ConsumedBy {
  /** the redemption's attempt id */
  by: string;
  /** ms, and the successor refresh token: only while a retry within the grace window may replace it */
  at?: number;
  next?: string;
}

const OWN = ['~by', '~at', '~next', '~prev'];

/**
 * What a consumed refresh token keeps once no retry may replace it: of the members oidc-provider's
 * refresh grant reads before it sees `consumed` and revokes the grant, those its grant cannot give
 * back (expiry, grant, sender binding). Client, account and scope are read from the grant, `jti`
 * is the key's own id (`withGrantMembers`); claims, resources and authorization details go.
 */
const REUSE_DETECTION_MEMBERS = ['exp', 'grantId', 'jkt', 'x5t#S256', 'attestationJkt'];

function withoutOwn(payload: AdapterPayload): AdapterPayload {
  const rest: AdapterPayload = {};
  for (const [key, value] of Object.entries(payload)) if (!OWN.includes(key) && key !== 'consumed') rest[key] = value;
  return rest;
}

export function encodePayload(payload: AdapterPayload): string {
  const { consumed, ...rest } = payload;
  return JSON.stringify(consumed ? { consumed, ...rest } : rest);
}

export function decodePayload(stored: string): AdapterPayload {
  return JSON.parse(stored) as AdapterPayload;
}

/** The payload as oidc-provider stored it: the store's own members dropped, a compacted record's jti restored. */
export function decodeForProvider(stored: string, id: string): AdapterPayload {
  const raw = decodePayload(stored);
  const payload = withoutOwn(raw);
  if (raw.consumed !== undefined) {
    const restored: AdapterPayload = { consumed: raw.consumed, ...payload };
    if (isCompacted(restored)) restored.jti = id;
    return restored;
  }
  return payload;
}

/** A compacted consumed record: every token oidc-provider stores names its client, a compacted one does not. */
export function isCompacted(payload: AdapterPayload): payload is AdapterPayload & { grantId: string } {
  return payload.consumed !== undefined && payload.clientId === undefined && typeof payload.grantId === 'string';
}

/** A compacted record with the members its grant gives back: the client, the account and (a superset of) the scope. */
export function withGrantMembers(record: AdapterPayload, grant: AdapterPayload): AdapterPayload {
  const openid = (grant.openid as { scope?: unknown } | undefined)?.scope;
  const resources = Object.values((grant.resources as Record<string, unknown> | undefined) ?? {});
  const scopes = new Set([openid, ...resources].flatMap((s) => (typeof s === 'string' ? s.split(' ') : [])).filter(Boolean));
  return { ...record, clientId: grant.clientId, accountId: grant.accountId, scope: [...scopes].join(' ') };
}

export function isConsumed(stored: string): boolean {
  return stored.startsWith(CONSUMED_HEAD);
}

/** The grace-window members of a consumed record, when it has them. */
export function consumedBy(stored: string): ConsumedBy | undefined {
  if (!isConsumed(stored)) return undefined;
  const raw = decodePayload(stored);
  if (typeof raw['~by'] !== 'string') return undefined;
  return {
    by: raw['~by'],
    ...(typeof raw['~at'] === 'number' ? { at: raw['~at'] } : {}),
    ...(typeof raw['~next'] === 'string' ? { next: raw['~next'] } : {}),
  };
}

/**
 * The consumed record: `consumed` (epoch seconds), then the store's members, then the payload;
 * `compact` keeps only what reuse detection reads (a refresh token no retry may replace).
 */
export function consumedRecord(stored: string, epochSeconds: number, by?: ConsumedBy, compact = false): string {
  const payload = withoutOwn(decodePayload(stored));
  const kept = compact ? Object.fromEntries(REUSE_DETECTION_MEMBERS.filter((k) => k in payload).map((k) => [k, payload[k]])) : payload;
  const head: AdapterPayload = { consumed: epochSeconds };
  if (by) {
    head['~by'] = by.by;
    if (by.at !== undefined && by.next !== undefined) Object.assign(head, { '~at': by.at, '~next': by.next });
  }
  return JSON.stringify({ ...head, ...kept });
}

/** Mirrors a one-step consume: put `"consumed":<epoch>` in front of the other members. */
export function markConsumed(stored: string, epochSeconds: number): string {
  return consumedRecord(stored, epochSeconds);
}
