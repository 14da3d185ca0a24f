import type { AdapterPayload } from './types.ts';

/**
 * The stored form is the payload's JSON with `consumed` always first when set, so that the
 * atomic consume (a Lua script on Redis) can tell and mark a consumed object by its first
 * bytes without decoding and re-encoding JSON.
 */
export const CONSUMED_HEAD = '{"consumed":';

export function encodePayload(payload: AdapterPayload): string {
  const { consumed, ...rest } = payload;
  return JSON.stringify(consumed ? { consumed, ...rest } : rest);
}

export function decodePayload(stored: string): AdapterPayload {
  return JSON.parse(stored) as AdapterPayload;
}

export function isConsumed(stored: string): boolean {
  return stored.startsWith(CONSUMED_HEAD);
}

/** Mirrors the Redis consume script: put `"consumed":<epoch>` in front of the other members. */
export function markConsumed(stored: string, epochSeconds: number): string {
  const body = stored.slice(1);
  return `${CONSUMED_HEAD}${epochSeconds}${body === '}' ? '' : ','}${body}`;
}
