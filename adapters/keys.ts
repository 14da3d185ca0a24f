/**
 * Every Redis key and channel Valtuus uses, and nowhere else. Keys that one command or
 * script touches together share a `{…}` hash tag, so that Redis Cluster keeps them in one
 * slot; the `list` sets and the client channel need none (each is one key on its own).
 *
 *   <prefix><Model>:{<id>}                 one object (JSON), TTL = expiresIn
 *   <prefix><Model>:redeeming:{<id>}       → the attempt redeeming that object, for a short lease
 *   <prefix><Model>:uid:{<uid>}            → id of the Session with that uid, same TTL
 *   <prefix><Model>:userCode:{<code>}      → id of the DeviceCode with that user code, same TTL
 *   <prefix><Model>:list                   set of ids stored without expiry (Client, Account)
 *   <prefix>grant:{<grantId>}              sorted set of "<Model>:<id>" scored by expiry (ms)
 *   <prefix>LoginGuard:{<sub>}:<counter>   an account's failures, lock and last code step
 *   <prefix>limit:<name><key>              rate-limiter-flexible's budgets (it appends the key)
 *   <prefix>limit:token:{<client>}:<win>   the batched token budget of one client, per window
 *   <prefix>clients:changed                pub/sub channel: a client registration changed
 */
export interface KeyLayout {
  readonly prefix: string;
  object(model: string, id: string): string;
  /** Which attempt is redeeming an object (docs/storage.md "Single use"): the object's hash tag. */
  mark(model: string, id: string): string;
  uid(model: string, uid: string): string;
  userCode(model: string, userCode: string): string;
  list(model: string): string;
  grant(grantId: string): string;
  /** The grant index member naming one object, and its way back to the object's key. */
  member(model: string, id: string): string;
  memberKey(member: string): string;
  /** One account's login counters, under one hash tag so one script can change them together. */
  loginGuard(sub: string): { failures: string; lock: string; step: string };
  /** The key prefix of a rate-limiter-flexible budget (the limiter appends its own key). */
  limiter(name: string): string;
  /** One client's batched token budget in one window. */
  tokenBudget(clientId: string, window: number): string;
  /** The channel on which every process hears that a client registration changed. */
  readonly clientsChanged: string;
}

function assertKeyPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new TypeError('keyPrefix must be a string');
  // A brace in the prefix would become every key's hash tag and pin all keys to one Cluster slot.
  if (/[{}]/.test(prefix)) throw new TypeError('keyPrefix must not contain "{" or "}"');
}

export function keyLayout(prefix: string): KeyLayout {
  assertKeyPrefix(prefix);
  const object = (model: string, id: string) => `${prefix}${model}:{${id}}`;
  return {
    prefix,
    object,
    mark: (model, id) => `${prefix}${model}:redeeming:{${id}}`,
    uid: (model, uid) => `${prefix}${model}:uid:{${uid}}`,
    userCode: (model, userCode) => `${prefix}${model}:userCode:{${userCode}}`,
    list: (model) => `${prefix}${model}:list`,
    grant: (grantId) => `${prefix}grant:{${grantId}}`,
    member: (model, id) => `${model}:${id}`,
    memberKey(member) {
      const colon = member.indexOf(':');
      return object(member.slice(0, colon), member.slice(colon + 1));
    },
    loginGuard(sub) {
      const base = `${prefix}LoginGuard:{${sub}}`;
      return { failures: `${base}:failures`, lock: `${base}:lock`, step: `${base}:totp-step` };
    },
    limiter: (name) => `${prefix}limit:${name}`,
    tokenBudget: (clientId, window) => `${prefix}limit:token:{${clientId}}:${window}`,
    clientsChanged: `${prefix}clients:changed`,
  };
}
