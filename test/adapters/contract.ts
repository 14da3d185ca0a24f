import { randomBytes } from 'node:crypto';

import { expect } from 'chai';
import { errors } from 'oidc-provider';

import type { KeyLayout } from '../../adapters/keys.ts';
import { readTogether } from '../../adapters/read_ahead.ts';
import type { AdapterPayload, Store } from '../../adapters/types.ts';

/** One backend under test, opened fresh for every test case. */
export interface StoreHarness {
  store: Store;
  keys: KeyLayout;
  /** Redis PTTL semantics: ms left, -1 without expiry, -2 when missing. */
  pttl(key: string): Promise<number>;
  /** Every key this store holds. */
  keyNames(): Promise<string[]>;
  close(): Promise<void>;
}

export const newId = (): string => randomBytes(24).toString('base64url');
const epoch = (): number => Math.floor(Date.now() / 1000);

export function token(kind: string, extra: AdapterPayload = {}): AdapterPayload {
  return { iat: epoch(), exp: epoch() + 3600, jti: newId(), kind, clientId: 'client-1', ...extra };
}

/** Within 2 s below `seconds`: the time a few round trips can take, never a sleep. */
function expectTtl(ms: number, seconds: number): void {
  expect(ms, `PTTL ${ms} for ${seconds} s`).to.be.within(seconds * 1000 - 2000, seconds * 1000);
}

/** Runs outside the current request's reads (another request, in the same process). */
function otherRequest<T>(fn: () => Promise<T>): Promise<T> {
  return readTogether(fn);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

function expectInvalidGrant(err: unknown): void {
  expect(err).to.be.instanceOf(errors.InvalidGrant);
  expect((err as errors.OIDCProviderError).error).to.equal('invalid_grant');
}

/**
 * The storage contract every backend must meet (after Ory Hydra's manager_test_helpers):
 * call once per backend with a function that opens a fresh store.
 */
export function describeStoreContract(backend: string, open: () => Promise<StoreHarness>): void {
  describe(`${backend} store: oidc-provider adapter contract`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(() => h.close());

    describe('upsert, find, destroy', () => {
      it('finds what upsert stored, and nothing for an unknown id', async () => {
        const payload = token('AccessToken', { scope: 'openid', amr: [], claims: {} });
        await store.adapter('AccessToken').upsert(payload.jti!, payload, 60);
        expect(await store.adapter('AccessToken').find(payload.jti!)).to.deep.equal(payload);
        expect(await store.adapter('AccessToken').find(newId())).to.equal(undefined);
        expect(await store.adapter('RefreshToken').find(payload.jti!), 'models are separate').to.equal(undefined);
      });

      it('stores one key per object, expiring after expiresIn seconds', async () => {
        const payload = token('ClientCredentials');
        await store.adapter('ClientCredentials').upsert(payload.jti!, payload, 300);
        const key = h.keys.object('ClientCredentials', payload.jti!);
        expect(await h.keyNames()).to.deep.equal([key]);
        expectTtl(await h.pttl(key), 300);
      });

      it('replaces the object and its TTL on a second upsert', async () => {
        const payload = token('AccessToken');
        const adapter = store.adapter('AccessToken');
        await adapter.upsert(payload.jti!, payload, 60);
        await adapter.upsert(payload.jti!, { ...payload, scope: 'more' }, 600);
        expect(await adapter.find(payload.jti!)).to.include({ scope: 'more' });
        expectTtl(await h.pttl(h.keys.object('AccessToken', payload.jti!)), 600);
      });

      it('destroys an object', async () => {
        const payload = token('Interaction');
        await store.adapter('Interaction').upsert(payload.jti!, payload, 60);
        await store.adapter('Interaction').destroy(payload.jti!);
        expect(await store.adapter('Interaction').find(payload.jti!)).to.equal(undefined);
        expect(await h.keyNames()).to.deep.equal([]);
      });

      it('keeps ids with braces and colons apart', async () => {
        const adapter = store.adapter('Session');
        await adapter.upsert('a:{b}', { v: 1 }, 60);
        await adapter.upsert('a:{b}c', { v: 2 }, 60);
        expect(await adapter.find('a:{b}')).to.deep.equal({ v: 1 });
        expect(await adapter.find('a:{b}c')).to.deep.equal({ v: 2 });
      });
    });

    describe('models without expiry (Client, Account)', () => {
      it('stores them without a TTL and lists them per model', async () => {
        await store.adapter('Client').upsert('c1', { client_id: 'c1' });
        await store.adapter('Client').upsert('c2', { client_id: 'c2' });
        await store.adapter('Account').upsert('a1', { sub: 'a1' });
        expect(await h.pttl(h.keys.object('Client', 'c1'))).to.equal(-1);
        const clients = await store.adapter('Client').list();
        expect(clients.map((c) => c.client_id).sort()).to.deep.equal(['c1', 'c2']);
        expect(await store.adapter('Account').list()).to.deep.equal([{ sub: 'a1' }]);
      });

      it('drops a destroyed object from the list', async () => {
        await store.adapter('Client').upsert('c1', { client_id: 'c1' });
        await store.adapter('Client').upsert('c2', { client_id: 'c2' });
        await store.adapter('Client').destroy('c1');
        expect(await store.adapter('Client').find('c1')).to.equal(undefined);
        expect(await store.adapter('Client').list()).to.deep.equal([{ client_id: 'c2' }]);
      });

      it('lists nothing for models stored with a TTL', async () => {
        const payload = token('AccessToken');
        await store.adapter('AccessToken').upsert(payload.jti!, payload, 60);
        expect(await store.adapter('AccessToken').list()).to.deep.equal([]);
      });
    });

    describe('grant index', () => {
      it('expires with its longest-lived member and is never shortened', async () => {
        const grantId = newId();
        const at = token('AccessToken', { grantId });
        const rt = token('RefreshToken', { grantId });
        const code = token('AuthorizationCode', { grantId });
        await store.adapter('AccessToken').upsert(at.jti!, at, 60);
        expectTtl(await h.pttl(h.keys.grant(grantId)), 60);
        await store.adapter('RefreshToken').upsert(rt.jti!, rt, 3600);
        await store.adapter('AuthorizationCode').upsert(code.jti!, code, 600);
        expectTtl(await h.pttl(h.keys.grant(grantId)), 3600);
      });

      it('a member without expiry keeps the index without one, whatever joins it later', async () => {
        const grantId = newId();
        const lasting = token('AccessToken', { grantId });
        const later = token('RefreshToken', { grantId });
        await store.adapter('AccessToken').upsert(lasting.jti!, lasting);
        expect(await h.pttl(h.keys.grant(grantId))).to.equal(-1);
        await store.adapter('RefreshToken').upsert(later.jti!, later, 600);
        expect(await h.pttl(h.keys.grant(grantId))).to.equal(-1);
      });

      it('revokeByGrantId removes every object of the grant, across models, and the index', async () => {
        const grantId = newId();
        const others = token('AccessToken', { grantId: newId() });
        const members = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode'].map((kind) => token(kind, { grantId }));
        for (const payload of members) await store.adapter(payload.kind as string).upsert(payload.jti!, payload, 600);
        await store.adapter('AccessToken').upsert(others.jti!, others, 600);

        await store.adapter('RefreshToken').revokeByGrantId(grantId);

        for (const payload of members)
          expect(await store.adapter(payload.kind as string).find(payload.jti!), payload.kind as string).to.equal(undefined);
        expect(await h.pttl(h.keys.grant(grantId))).to.equal(-2);
        expect(await store.adapter('AccessToken').find(others.jti!), 'another grant').to.deep.equal(others);
      });

      it('revokeByGrantId of an unknown grant does nothing', async () => {
        await store.adapter('AccessToken').revokeByGrantId(newId());
        expect(await h.keyNames()).to.deep.equal([]);
      });
    });

    describe('reads together (docs/storage.md "Reads")', () => {
      it("an interaction's look-up reads its step state with it; that state's look-up takes it, once", async () => {
        const interaction = token('Interaction');
        const id = interaction.jti!;
        await store.adapter('Interaction').upsert(id, interaction, 60);
        await store.adapter('InteractionStep').upsert(id, { csrf: 'first' }, 60);
        await readTogether(async () => {
          expect(await store.adapter('Interaction').find(id)).to.deep.equal(interaction);
          // another request changes it meanwhile: this one goes on with what it read with the interaction
          await otherRequest(() => store.adapter('InteractionStep').upsert(id, { csrf: 'second' }, 60));
          expect(await store.adapter('InteractionStep').find(id), 'read with the interaction').to.deep.equal({ csrf: 'first' });
          expect(await store.adapter('InteractionStep').find(id), 'then from the store').to.deep.equal({ csrf: 'second' });
        });
      });

      it('a write or a destroy in the request replaces what was read ahead', async () => {
        const interaction = token('Interaction');
        const id = interaction.jti!;
        await store.adapter('Interaction').upsert(id, interaction, 60);
        await readTogether(async () => {
          await store.adapter('Interaction').find(id);
          await store.adapter('InteractionStep').upsert(id, { csrf: 'new' }, 60);
          expect(await store.adapter('InteractionStep').find(id)).to.deep.equal({ csrf: 'new' });
          await store.adapter('Interaction').find(id);
          await store.adapter('InteractionStep').destroy(id);
          expect(await store.adapter('InteractionStep').find(id)).to.equal(undefined);
        });
      });

      it('outside a request, a look-up reads its own key only', async () => {
        const interaction = token('Interaction');
        await store.adapter('Interaction').upsert(interaction.jti!, interaction, 60);
        expect(await store.adapter('Interaction').find(interaction.jti!)).to.deep.equal(interaction);
        expect(await store.adapter('InteractionStep').find(interaction.jti!)).to.equal(undefined);
      });
    });

    describe('findByUid (Session) and findByUserCode (DeviceCode)', () => {
      it('finds a session by uid, with an index expiring with it', async () => {
        const session = { jti: newId(), uid: newId(), kind: 'Session', accountId: 'a1' };
        await store.adapter('Session').upsert(session.jti, session, 1200);
        expect(await store.adapter('Session').findByUid(session.uid)).to.deep.equal(session);
        expect(await store.adapter('Session').findByUid(newId())).to.equal(undefined);
        expectTtl(await h.pttl(h.keys.uid('Session', session.uid)), 1200);
      });

      it('follows a session to its new id and forgets it once destroyed', async () => {
        const uid = newId();
        const [before, after] = [
          { jti: newId(), uid, n: 1 },
          { jti: newId(), uid, n: 2 },
        ];
        await store.adapter('Session').upsert(before.jti, before, 600);
        await store.adapter('Session').upsert(after.jti, after, 600);
        await store.adapter('Session').destroy(before.jti);
        expect(await store.adapter('Session').findByUid(uid)).to.deep.equal(after);
        await store.adapter('Session').destroy(after.jti);
        expect(await store.adapter('Session').findByUid(uid)).to.equal(undefined);
      });

      it('finds a device code by user code, with an index expiring with it', async () => {
        const deviceCode = token('DeviceCode', { userCode: 'WDJB-MJHT' });
        await store.adapter('DeviceCode').upsert(deviceCode.jti!, deviceCode, 600);
        expect(await store.adapter('DeviceCode').findByUserCode('WDJB-MJHT')).to.deep.equal(deviceCode);
        expect(await store.adapter('DeviceCode').findByUserCode('XXXX-XXXX')).to.equal(undefined);
        expectTtl(await h.pttl(h.keys.userCode('DeviceCode', 'WDJB-MJHT')), 600);
      });
    });

    describe('consume (RFC 6749 §4.1.2, RFC 9700 §4.14.2)', () => {
      async function grantWithCode() {
        const grantId = newId();
        const code = token('AuthorizationCode', { grantId, amr: [], claims: {}, 'x5t#S256': 'a"b\\c' });
        const at = token('AccessToken', { grantId });
        const rt = token('RefreshToken', { grantId });
        await store.adapter('AuthorizationCode').upsert(code.jti!, code, 60);
        await store.adapter('AccessToken').upsert(at.jti!, at, 600);
        await store.adapter('RefreshToken').upsert(rt.jti!, rt, 3600);
        return { grantId, code, at, rt };
      }

      it('marks the object consumed (epoch seconds), keeps the rest and the TTL', async () => {
        const { code } = await grantWithCode();
        const before = epoch();
        await store.adapter('AuthorizationCode').consume(code.jti!);
        const found = await store.adapter('AuthorizationCode').find(code.jti!);
        const { consumed, ...rest } = found!;
        expect(consumed)
          .to.be.a('number')
          .within(before - 1, epoch() + 1);
        expect(rest).to.deep.equal(code);
        expectTtl(await h.pttl(h.keys.object('AuthorizationCode', code.jti!)), 60);
      });

      it('rejects a second consume with invalid_grant and revokes the grant', async () => {
        const { grantId, code, at, rt } = await grantWithCode();
        await store.adapter('AuthorizationCode').consume(code.jti!);
        expectInvalidGrant(await rejection(store.adapter('AuthorizationCode').consume(code.jti!)));
        expect(await store.adapter('AccessToken').find(at.jti!)).to.equal(undefined);
        expect(await store.adapter('RefreshToken').find(rt.jti!)).to.equal(undefined);
        expect(await h.pttl(h.keys.grant(grantId))).to.equal(-2);
      });

      it('lets exactly one of 20 concurrent consumes win; the others get invalid_grant and the grant is revoked', async () => {
        const { code, at, rt } = await grantWithCode();
        const adapter = store.adapter('AuthorizationCode');
        const results = await Promise.allSettled(Array.from({ length: 20 }, () => adapter.consume(code.jti!)));
        const rejected = results.filter((r) => r.status === 'rejected');
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        expect(rejected).to.have.length(19);
        for (const r of rejected) expectInvalidGrant(r.reason);
        expect(await store.adapter('AccessToken').find(at.jti!)).to.equal(undefined);
        expect(await store.adapter('RefreshToken').find(rt.jti!)).to.equal(undefined);
      });

      it('rejects a second consume of a token without a grant, touching nothing else', async () => {
        const par = token('PushedAuthorizationRequest');
        const other = token('PushedAuthorizationRequest');
        await store.adapter('PushedAuthorizationRequest').upsert(par.jti!, par, 60);
        await store.adapter('PushedAuthorizationRequest').upsert(other.jti!, other, 60);
        await store.adapter('PushedAuthorizationRequest').consume(par.jti!);
        expectInvalidGrant(await rejection(store.adapter('PushedAuthorizationRequest').consume(par.jti!)));
        expect(await store.adapter('PushedAuthorizationRequest').find(par.jti!)).to.have.property('consumed');
        expect(await store.adapter('PushedAuthorizationRequest').find(other.jti!)).to.deep.equal(other);
      });

      it('rejects consuming what is not there with invalid_grant', async () => {
        expectInvalidGrant(await rejection(store.adapter('RefreshToken').consume(newId())));
      });

      it('consumes an empty payload', async () => {
        await store.adapter('RefreshToken').upsert('empty', {}, 60);
        await store.adapter('RefreshToken').consume('empty');
        expect(Object.keys((await store.adapter('RefreshToken').find('empty'))!)).to.deep.equal(['consumed']);
      });
    });

    describe('redeem: single use in two phases (docs/storage.md "Single use")', () => {
      const options = { reuseGraceMs: 0 };
      async function codeOfGrant() {
        const grantId = newId();
        const code = token('AuthorizationCode', { grantId });
        await store.adapter('AuthorizationCode').upsert(code.jti!, code, 60);
        return { grantId, code };
      }

      it('commits the consume once the redemption returns, keeping what it saved', async () => {
        const { grantId, code } = await codeOfGrant();
        const at = token('AccessToken', { grantId });
        await store.redeem(async () => {
          await store.adapter('AuthorizationCode').consume(code.jti!);
          await store.adapter('AccessToken').upsert(at.jti!, at, 600);
        }, options);
        expect(await store.adapter('AuthorizationCode').find(code.jti!)).to.have.property('consumed');
        expect(await store.adapter('AccessToken').find(at.jti!)).to.deep.equal(at);
        expect(await h.pttl(h.keys.mark('AuthorizationCode', code.jti!))).to.equal(-2);
      });

      it('undoes the consume and what the redemption saved when it fails: the same redemption then succeeds', async () => {
        const { grantId, code } = await codeOfGrant();
        const at = token('AccessToken', { grantId });
        const failed = store.redeem(async () => {
          await store.adapter('AuthorizationCode').consume(code.jti!);
          await store.adapter('AccessToken').upsert(at.jti!, at, 600);
          throw new Error('the response could not be made');
        }, options);
        expect(await rejection(failed)).to.have.property('message', 'the response could not be made');
        expect(await store.adapter('AuthorizationCode').find(code.jti!)).to.deep.equal(code);
        expect(await store.adapter('AccessToken').find(at.jti!)).to.equal(undefined);
        await store.redeem(() => store.adapter('AuthorizationCode').consume(code.jti!), options);
        expect(await store.adapter('AuthorizationCode').find(code.jti!)).to.have.property('consumed');
      });

      it('of 10 concurrent redemptions exactly one wins; the others wait for it, then get invalid_grant', async () => {
        const { code } = await codeOfGrant();
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.redeem(() => store.adapter('AuthorizationCode').consume(code.jti!), options)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        for (const r of results.filter((r) => r.status === 'rejected')) expectInvalidGrant(r.reason);
      });

      it('writes the tokens a redemption saved with its commit, not before', async () => {
        const { grantId, code } = await codeOfGrant();
        const at = token('AccessToken', { grantId });
        let seenInside: string[] = [];
        await store.redeem(async () => {
          await store.adapter('AuthorizationCode').consume(code.jti!);
          await store.adapter('AccessToken').upsert(at.jti!, at, 600);
          expect(await store.adapter('AccessToken').find(at.jti!), 'read back within the redemption').to.deep.equal(at);
          seenInside = await h.keyNames();
        }, options);
        expect(seenInside).to.not.include(h.keys.object('AccessToken', at.jti!));
        expect(await h.keyNames()).to.include(h.keys.object('AccessToken', at.jti!));
        expectTtl(await h.pttl(h.keys.object('AccessToken', at.jti!)), 600);
        expectTtl(await h.pttl(h.keys.grant(grantId)), 600);
      });

      describe('a look-up that redeems (RedemptionOptions.redeems: the refresh grant)', () => {
        const redeeming = { reuseGraceMs: 0, redeems: 'RefreshToken' };
        async function refreshToken() {
          const rt = token('RefreshToken', { grantId: newId(), rotations: 0 });
          await store.adapter('RefreshToken').upsert(rt.jti!, rt, 3600);
          return rt;
        }

        it('holds the object: of 10 concurrent find-then-consume redemptions exactly one wins, the others see it consumed', async () => {
          const rt = await refreshToken();
          const successors = Array.from({ length: 10 }, () => token('RefreshToken', { grantId: rt.grantId!, rotations: 1 }));
          const results = await Promise.allSettled(
            successors.map((next) =>
              store.redeem(async () => {
                const found = await store.adapter('RefreshToken').find(rt.jti!);
                if (!found || found.consumed) throw new errors.InvalidGrant('refresh token already used');
                await store.adapter('RefreshToken').consume(rt.jti!);
                await store.adapter('RefreshToken').upsert(next.jti!, next, 3600);
              }, redeeming),
            ),
          );
          expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
          for (const r of results.filter((r) => r.status === 'rejected')) expectInvalidGrant(r.reason);
          const stored = await Promise.all(successors.map((next) => store.adapter('RefreshToken').find(next.jti!)));
          expect(stored.filter(Boolean), 'one successor written').to.have.length(1);
          // kept as a compact consumed record for reuse detection (it reads as missing here: this test stores no grant)
          expectTtl(await h.pttl(h.keys.object('RefreshToken', rt.jti!)), 3600);
          expect(await h.pttl(h.keys.mark('RefreshToken', rt.jti!))).to.equal(-2);
        });

        it('without a consume (an unrotated token) only holds it: saved again with the commit, still live, the mark gone', async () => {
          const rt = await refreshToken();
          await store.redeem(async () => {
            const found = await store.adapter('RefreshToken').find(rt.jti!);
            await store.adapter('RefreshToken').upsert(rt.jti!, { ...found, rotations: 1 }, 3600);
          }, redeeming);
          expect(await store.adapter('RefreshToken').find(rt.jti!)).to.deep.equal({ ...rt, rotations: 1 });
          expect(await h.pttl(h.keys.mark('RefreshToken', rt.jti!))).to.equal(-2);
        });

        it('a held object revoked by another request meanwhile fails the commit with invalid_grant, writing nothing (a retry cannot succeed)', async () => {
          const rt = await refreshToken();
          const next = token('RefreshToken', { grantId: rt.grantId!, rotations: 1 });
          let held!: () => void;
          const holding = new Promise<void>((resolve) => (held = resolve));
          let revoked!: () => void;
          const revocation = new Promise<void>((resolve) => (revoked = resolve));
          const redemption = store.redeem(async () => {
            await store.adapter('RefreshToken').find(rt.jti!);
            held();
            await revocation;
            await store.adapter('RefreshToken').consume(rt.jti!);
            await store.adapter('RefreshToken').upsert(next.jti!, next, 3600);
          }, redeeming);
          await holding;
          await store.adapter('RefreshToken').revokeByGrantId(rt.grantId!); // another request, outside the redemption
          revoked();
          expectInvalidGrant(await rejection(redemption));
          expect(await store.adapter('RefreshToken').find(next.jti!)).to.equal(undefined);
          expect(await store.adapter('RefreshToken').find(rt.jti!)).to.equal(undefined);
        });

        it('a failed redemption lets go of the object untouched', async () => {
          const rt = await refreshToken();
          const failed = store.redeem(async () => {
            await store.adapter('RefreshToken').find(rt.jti!);
            throw new errors.InvalidGrant('client mismatch');
          }, redeeming);
          expectInvalidGrant(await rejection(failed));
          expect(await store.adapter('RefreshToken').find(rt.jti!)).to.deep.equal(rt);
          expect(await h.pttl(h.keys.mark('RefreshToken', rt.jti!))).to.equal(-2);
        });
      });

      it('a refresh token retried within the window replaces its unused successor; after the window it is reuse', async () => {
        const grantId = newId();
        const first = token('RefreshToken', { grantId, rotations: 0 });
        await store.adapter('RefreshToken').upsert(first.jti!, first, 3600);
        const rotate = (successor: AdapterPayload, reuseGraceMs: number, retryAfterMs = 0) =>
          store.redeem(
            async () => {
              await store.adapter('RefreshToken').consume(first.jti!);
              await store.adapter('RefreshToken').upsert(successor.jti!, successor, 3600);
            },
            { reuseGraceMs, retryAfterMs },
          );
        const lost = token('RefreshToken', { grantId, rotations: 1 });
        const retried = token('RefreshToken', { grantId, rotations: 1 });
        await rotate(lost, 60_000);
        await rotate(retried, 60_000);
        expect(await store.adapter('RefreshToken').find(lost.jti!), 'the unused successor retired').to.equal(undefined);
        expect(await store.adapter('RefreshToken').find(retried.jti!)).to.include({ jti: retried.jti });
        expectInvalidGrant(await rejection(rotate(token('RefreshToken', { grantId }), 0)));
        expect(await store.adapter('RefreshToken').find(retried.jti!), 'reuse revoked the grant').to.equal(undefined);
      });
    });

    describe('ping and close', () => {
      it('answers ping', async () => {
        await store.ping();
      });
    });
  });
}
