import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Objects that one request reads together: the look-up of an object also reads its companions
 * (stored beside it under its hash tag, adapters/keys.ts) in the same command, and their own
 * look-ups later in that request take what was read then, once (docs/storage.md "Reads").
 */
const current = new AsyncLocalStorage<Map<string, string | null>>();

/** Runs one request's work with reads ahead; outside it every look-up reads only its own key. */
export function readTogether<T>(fn: () => Promise<T>): Promise<T> {
  return current.run(new Map(), fn);
}

export function readAhead(): Map<string, string | null> | undefined {
  return current.getStore();
}
