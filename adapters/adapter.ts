import { decodeForProvider, decodePayload, encodePayload, isCompacted, withGrantMembers } from './codec.ts';
import { beginOnFind, createConsume, createRedeem } from './consume.ts';
import type { KeyLayout } from './keys.ts';
import type { Keyspace } from './keyspace.ts';
import { readAhead } from './read_ahead.ts';
import { currentRedemption, type Redemption } from './redemption.ts';
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

/** Models oidc-provider always saves with a lifetime (its `ttl` configuration): never in a `<Model>:list`, nothing to remove there. */
const ALWAYS_EXPIRING = new Set([
  'Interaction',
  'Session',
  'AuthorizationCode',
  'AccessToken',
  'ClientCredentials',
  'PushedAuthorizationRequest',
  'BackchannelAuthenticationRequest',
]);

/**
 * Inside a token request, after its first consume, a token indexed by its grant only (no uid, no
 * user code, with an expiry) waits for the commit and is written with it: one script for the
 * consume and every token it issued (docs/storage.md "Single use").
 */
function deferredSave(model: string, id: string, payload: AdapterPayload, ttl: number | undefined, { keys }: AdapterContext) {
  if (!GRANTABLE.has(model) || ttl === undefined || typeof payload.userCode === 'string') return undefined;
  const grantIndex = typeof payload.grantId === 'string' ? { key: keys.grant(payload.grantId), member: keys.member(model, id) } : undefined;
  return { key: keys.object(model, id), value: encodePayload(payload), ttlSeconds: ttl, ...(grantIndex ? { grantIndex } : {}) };
}

/**
 * What a look-up of one model reads with it (adapters/read_ahead.ts): an interaction's page
 * state, kept by the sign-in pages beside it (same id, so the same hash tag), is read with it.
 */
const READ_WITH: Record<string, readonly string[]> = { Interaction: ['InteractionStep'] };

/** A look-up outside a token request: what was read ahead for this key, or the key with its companions, or the key alone. */
async function readWithCompanions(context: AdapterContext, model: string, id: string): Promise<string | null> {
  const key = context.keys.object(model, id);
  const ahead = readAhead();
  if (ahead?.has(key)) {
    const stored = ahead.get(key)!;
    ahead.delete(key);
    return stored;
  }
  const companions = ahead ? (READ_WITH[model] ?? []).map((other) => context.keys.object(other, id)) : [];
  if (companions.length === 0) return context.keyspace.get(key);
  const [stored = null, ...others] = await context.keyspace.getMany([key, ...companions]);
  companions.forEach((companion, i) => ahead!.set(companion, others[i] ?? null));
  return stored;
}

/** A read within a token request: each object is read from the store once, and what it saved is read back from it. */
async function readOnce(keyspace: Keyspace, redemption: Redemption | undefined, key: string): Promise<string | null> {
  if (!redemption) return keyspace.get(key);
  if (redemption.reads.has(key)) return redemption.reads.get(key)!;
  const stored = await keyspace.get(key);
  redemption.reads.set(key, stored);
  return stored;
}

export function createAdapter(model: string, context: AdapterContext): Adapter {
  const { keyspace, keys } = context;

  async function find(id: string): Promise<AdapterPayload | undefined> {
    const redemption = currentRedemption();
    const key = keys.object(model, id);
    const redeeming =
      redemption?.options.redeems === model && !redemption.held.some((h) => h.model === model) && !redemption.reads.has(key);
    const stored = redeeming
      ? await beginOnFind(context, model, id, redemption)
      : redemption
        ? await readOnce(keyspace, redemption, key)
        : await readWithCompanions(context, model, id);
    if (stored === null || stored === undefined) return undefined;
    const payload = decodeForProvider(stored, id);
    if (isCompacted(payload)) {
      // its grant gone, nothing of the chain can be used or revoked any more
      const grant = await readOnce(keyspace, redemption, keys.object('Grant', payload.grantId));
      return grant === null ? undefined : withGrantMembers(payload, decodePayload(grant));
    }
    return payload;
  }

  async function findByIndex(indexKey: string): Promise<AdapterPayload | undefined> {
    const id = await keyspace.get(indexKey);
    return id === null ? undefined : find(id);
  }

  async function upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = ttlSeconds(expiresIn);
    const key = keys.object(model, id);
    readAhead()?.delete(key);
    const redemption = currentRedemption();
    if (redemption?.held.length) {
      redemption.saved.add(keys.member(model, id));
      const save = deferredSave(model, id, payload, ttl, context);
      if (save) {
        redemption.pending.set(key, save);
        redemption.reads.set(key, save.value);
        return;
      }
    }
    // Indexes first: if the object write then fails, nothing is issued and a dangling index entry is harmless.
    const indexWrites = secondaryIndexWrites(model, id, payload, ttl, context);
    if (indexWrites.length > 0) await Promise.all(indexWrites);
    const value = encodePayload(payload);
    await keyspace.set(key, value, ttl);
    redemption?.reads.set(key, value);
  }

  async function destroy(id: string): Promise<void> {
    const key = keys.object(model, id);
    readAhead()?.delete(key);
    const redemption = currentRedemption();
    redemption?.pending.delete(key);
    redemption?.reads.set(key, null);
    if (ALWAYS_EXPIRING.has(model)) await keyspace.del(key);
    else await Promise.all([keyspace.del(key), keyspace.removeFromSet(keys.list(model), id)]);
  }

  async function revokeByGrantId(grantId: string): Promise<void> {
    const indexKey = keys.grant(grantId);
    const members = await keyspace.grantMembers(indexKey);
    if (members.length === 0) return;
    // One DEL per member: on a Cluster the members live in different slots.
    const redemption = currentRedemption();
    await Promise.all(
      members.map((member) => {
        redemption?.reads.set(keys.memberKey(member), null);
        return keyspace.del(keys.memberKey(member));
      }),
    );
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
