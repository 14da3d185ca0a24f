import { consumedBy, decodeForProvider, decodePayload, encodePayload, isCompacted, withGrantMembers, withPrevious } from './codec.ts';
import { createConsume, createRedeem } from './consume.ts';
import type { KeyLayout } from './keys.ts';
import type { Keyspace } from './keyspace.ts';
import { currentRedemption } from './redemption.ts';
import type { Adapter, AdapterFactory, AdapterPayload } from './types.ts';

/** The models oidc-provider revokes by grant (lib/helpers/revoke.js). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

export interface AdapterContext {
  keyspace: Keyspace;
  keys: KeyLayout;
  /** Clock for `consumed` timestamps and the reuse grace window (ms). */
  now: () => number;
}

/** Redis wants a positive whole number of seconds; a lifetime already over keeps the object for one second. */
function ttlSeconds(expiresIn: number | undefined): number | undefined {
  return expiresIn === undefined ? undefined : Math.max(1, Math.ceil(expiresIn));
}

function secondaryIndexWrites(
  model: string,
  id: string,
  payload: AdapterPayload,
  ttl: number | undefined,
  { keyspace, keys }: AdapterContext,
): Promise<void>[] {
  const writes: Promise<void>[] = [];
  if (typeof payload.grantId === 'string' && GRANTABLE.has(model)) {
    writes.push(keyspace.indexGrant(keys.grant(payload.grantId), keys.member(model, id), ttl));
  }
  // Only sessions are looked up by uid (interactions carry a uid of their own).
  if (model === 'Session' && typeof payload.uid === 'string') writes.push(keyspace.set(keys.uid(model, payload.uid), id, ttl));
  if (typeof payload.userCode === 'string') writes.push(keyspace.set(keys.userCode(model, payload.userCode), id, ttl));
  if (ttl === undefined) writes.push(keyspace.addToSet(keys.list(model), id));
  return writes;
}

/** What a token request saves after its consume is undone with it; a rotated refresh token remembers its predecessor. */
function notedByRedemption(model: string, id: string, payload: AdapterPayload, keys: KeyLayout): AdapterPayload {
  const redemption = currentRedemption();
  if (!redemption?.held.length) return payload;
  redemption.saved.add(keys.member(model, id));
  const rotated = model === 'RefreshToken' ? redemption.heldRefreshToken : undefined;
  return rotated && rotated.id !== id ? withPrevious(payload, rotated.id) : payload;
}

export function createAdapter(model: string, context: AdapterContext): Adapter {
  const { keyspace, keys, now } = context;

  /** Inside a token request, a refresh token rotated within the grace window looks unused until its consume decides. */
  function retryable(stored: string): boolean {
    const graceMs = currentRedemption()?.options.reuseGraceMs ?? 0;
    const by = consumedBy(stored);
    return model === 'RefreshToken' && by?.at !== undefined && by.next !== undefined && now() - by.at < graceMs;
  }

  async function find(id: string): Promise<AdapterPayload | undefined> {
    const stored = await keyspace.get(keys.object(model, id));
    if (stored === null) return undefined;
    const payload = decodeForProvider(stored, id);
    if (isCompacted(payload)) {
      // its grant gone, nothing of the chain can be used or revoked any more
      const grant = await keyspace.get(keys.object('Grant', payload.grantId));
      return grant === null ? undefined : withGrantMembers(payload, decodePayload(grant));
    }
    if (retryable(stored)) delete payload.consumed;
    return payload;
  }

  async function findByIndex(indexKey: string): Promise<AdapterPayload | undefined> {
    const id = await keyspace.get(indexKey);
    return id === null ? undefined : find(id);
  }

  async function upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = ttlSeconds(expiresIn);
    const stored = notedByRedemption(model, id, payload, keys);
    // Indexes first: if the object write then fails, nothing is issued and a dangling index entry is harmless.
    const indexWrites = secondaryIndexWrites(model, id, payload, ttl, context);
    if (indexWrites.length > 0) await Promise.all(indexWrites);
    await keyspace.set(keys.object(model, id), encodePayload(stored), ttl);
  }

  async function destroy(id: string): Promise<void> {
    await keyspace.del(keys.object(model, id));
    await keyspace.removeFromSet(keys.list(model), id);
  }

  async function revokeByGrantId(grantId: string): Promise<void> {
    const indexKey = keys.grant(grantId);
    const members = await keyspace.grantMembers(indexKey);
    if (members.length === 0) return;
    // One DEL per member: on a Cluster the members live in different slots.
    await Promise.all(members.map((member) => keyspace.del(keys.memberKey(member))));
    // Only the members seen above, so a token indexed meanwhile stays revocable.
    await keyspace.unindexGrant(indexKey, members);
  }

  async function list(): Promise<AdapterPayload[]> {
    const ids = await keyspace.setMembers(keys.list(model));
    const found = await Promise.all(ids.map(find));
    return found.filter((payload) => payload !== undefined);
  }

  return {
    upsert,
    find,
    findByUid: (uid) => findByIndex(keys.uid(model, uid)),
    findByUserCode: (userCode) => findByIndex(keys.userCode(model, userCode)),
    consume: createConsume(context, model, revokeByGrantId),
    destroy,
    revokeByGrantId,
    list,
  };
}

export function createAdapterFactory(context: AdapterContext): AdapterFactory {
  const adapters = new Map<string, Adapter>();
  return function adapter(model: string): Adapter {
    let existing = adapters.get(model);
    if (!existing) adapters.set(model, (existing = createAdapter(model, context)));
    return existing;
  };
}

export { createRedeem };
