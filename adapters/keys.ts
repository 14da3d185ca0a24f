/**
 * Every Redis key and channel Valtuus uses, and nowhere else. Keys that one command or
 * script touches together share a `{…}` hash tag, so that Redis Cluster keeps them in one
 * slot; the `list` sets and the client channel need none (each is one key on its own).
 *
 *   <prefix><Model>:{<id>}                 one object (JSON), TTL = expiresIn
 *   <prefix><Model>:redeeming:{<id>}       → the attempt redeeming that object, for a short lease
 *   <prefix><Model>:retry:{<id>}           a rotated refresh token's full record, for the retry window only
 *   <prefix><Model>:uid:{<uid>}            → id of the Session with that uid, same TTL
 *   <prefix><Model>:userCode:{<code>}      → id of the DeviceCode with that user code, same TTL
 *   <prefix><Model>:list                   set of ids stored without expiry (Client, Account)
 *   <prefix>grant:{<grantId>}              sorted set of "<Model>:<id>" scored by expiry (ms)
 *   <prefix>LoginGuard:{<sub>}:totp-step   an account's last one-time-code step used
 *   <prefix>LoginGuard:{<sub>}:code        failed one-time codes (points taken; its block is the SCA lock)
 *   <prefix>LoginGuard:{<sub>}:password:<source>   failed passwords for an account from one source
 *   <prefix>PushedAuthorizationRequest:{<id>}:browser   the browser a request_uri is bound to
 *   <prefix>limit:<name><key>              rate-limiter-flexible's budgets (it appends the key)
 *   <prefix>limit:token:{<client>}:<win>   the batched token budget of one client, per window
 *   <prefix>limit:interaction-address:{<address>}:<win>   the batched budget of new sign-ins from one address
 *   <prefix>limit:<name>:{<key>}:leases    a failure budget's points on lease, holder → "<points>:<expiry ms>" (server/ops/leased_budget.ts)
 *   <prefix>limit:<name>:{<key>}:failures  that budget's failures kept in the window
 *   <prefix>clients:changed                pub/sub channel: a client registration changed
 *   <prefix>ciba:pending:{<sub>}           sorted set of one customer's waiting CIBA requests, scored by expiry (ms)
 *   <prefix>ciba:answer:{<auth_req_id>}    the one answer (approve or deny) a CIBA request may get
 *   <prefix>ciba:poll:{<auth_req_id>}      set while a client polled sooner than `interval` ago
 */
export interface KeyLayout {
  readonly prefix: string;
  object(model: string, id: string): string;
  /** Which attempt is redeeming an object (docs/storage.md "Single use"): the object's hash tag. */
  mark(model: string, id: string): string;
  /** A rotated refresh token's full consumed record while a retry may replace its successor (docs/storage.md): the object's hash tag. */
  retry(model: string, id: string): string;
  uid(model: string, uid: string): string;
  userCode(model: string, userCode: string): string;
  list(model: string): string;
  grant(grantId: string): string;
  /** The grant index member naming one object, and its way back to the object's key. */
  member(model: string, id: string): string;
  memberKey(member: string): string;
  /** One account's login counters, under one hash tag: the code step key, and the limiter keys (without the limiter prefix). */
  loginGuard(sub: string): { step: string; code: string; password(source: string): string };
  /** The key prefix of the login guard's counters (followed by ':' and the counter's key). */
  readonly loginGuardLimiter: string;
  /** The browser that first used a pushed request's request_uri (RFC 9126 §4), beside the request itself. */
  parBrowser(id: string): string;
  /** The key prefix of a rate-limiter-flexible budget (the limiter appends its own key). */
  limiter(name: string): string;
  /** One client's batched token budget in one window. */
  tokenBudget(clientId: string, window: number): string;
  /** The channel on which every process hears that a client registration changed. */
  readonly clientsChanged: string;
  /** Decoupled (CIBA) requests: one customer's waiting requests, one request's answer and its last poll. */
  ciba(kind: 'pending' | 'answer' | 'poll', id: string): string;
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
    retry: (model, id) => `${prefix}${model}:retry:{${id}}`,
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
      return {
        step: `${prefix}LoginGuard:{${sub}}:totp-step`,
        code: `{${sub}}:code`,
        password: (source) => `{${sub}}:password:${source}`,
      };
    },
    loginGuardLimiter: `${prefix}LoginGuard`,
    parBrowser: (id) => `${prefix}PushedAuthorizationRequest:{${id}}:browser`,
    limiter: (name) => `${prefix}limit:${name}`,
    tokenBudget: (clientId, window) => `${prefix}limit:token:{${clientId}}:${window}`,
    clientsChanged: `${prefix}clients:changed`,
    ciba: (kind, id) => `${prefix}ciba:${kind}:{${id}}`,
  };
}
