/**
 * Where each stored thing lives. Every key carries a `{…}` hash tag so that Redis Cluster
 * places it by the id alone; the grant index's own key is tagged by the grant id.
 *
 *   <prefix><Model>:{<id>}              one object (JSON), TTL = expiresIn
 *   <prefix><Model>:uid:{<uid>}         → id of the Session with that uid, same TTL
 *   <prefix><Model>:userCode:{<code>}   → id of the DeviceCode with that user code, same TTL
 *   <prefix><Model>:list                set of ids stored without expiry (Client, Account)
 *   <prefix>grant:{<grantId>}           sorted set of "<Model>:<id>" scored by expiry (ms)
 */
export interface KeyLayout {
  readonly prefix: string;
  object(model: string, id: string): string;
  uid(model: string, uid: string): string;
  userCode(model: string, userCode: string): string;
  list(model: string): string;
  grant(grantId: string): string;
  /** The grant index member naming one object, and its way back to the object's key. */
  member(model: string, id: string): string;
  memberKey(member: string): string;
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
    uid: (model, uid) => `${prefix}${model}:uid:{${uid}}`,
    userCode: (model, userCode) => `${prefix}${model}:userCode:{${userCode}}`,
    list: (model) => `${prefix}${model}:list`,
    grant: (grantId) => `${prefix}grant:{${grantId}}`,
    member: (model, id) => `${model}:${id}`,
    memberKey(member) {
      const colon = member.indexOf(':');
      return object(member.slice(0, colon), member.slice(colon + 1));
    },
  };
}
