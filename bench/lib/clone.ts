import { randomBytes } from 'node:crypto';

/** The part of oidc-provider's adapter interface that cloning uses. */
export interface ModelAdapter {
  find(id: string): Promise<Record<string, unknown> | undefined | void>;
  upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<unknown>;
}

const BATCH = 256; // enough in flight to keep Redis busy, few enough not to flood it

function newId(): string {
  return randomBytes(32).toString('base64url'); // oidc-provider's opaque ids carry 256 bits too
}

function secondsLeft(payload: Record<string, unknown>): number {
  const exp = typeof payload.exp === 'number' ? payload.exp : 0;
  return Math.max(60, exp - Math.floor(Date.now() / 1000));
}

/**
 * Refresh tokens rotate, so a refresh run needs one token per request. Logging in through the
 * forms thousands of times would take minutes, so the pool is made from one real token: each
 * copy gets its own copy of the grant (a refresh consumes and re-issues on its grant), and is
 * written through the server's own storage adapter, exactly as the server would store it.
 */
export async function cloneRefreshTokens(adapterFor: (model: string) => ModelAdapter, seed: string, count: number): Promise<string[]> {
  const tokens = adapterFor('RefreshToken');
  const grants = adapterFor('Grant');
  const token = await tokens.find(seed);
  if (!token) throw new Error('the seed refresh token is not in the store');
  const grant = typeof token.grantId === 'string' ? await grants.find(token.grantId) : undefined;
  if (!grant) throw new Error("the seed refresh token's grant is not in the store");
  const made: string[] = [];
  while (made.length < count) {
    const batch = Array.from({ length: Math.min(BATCH, count - made.length) }, async () => {
      const grantId = newId();
      const jti = newId();
      await grants.upsert(grantId, { ...grant, jti: grantId }, secondsLeft(grant));
      await tokens.upsert(jti, { ...token, jti, grantId }, secondsLeft(token));
      return jti;
    });
    made.push(...(await Promise.all(batch)));
  }
  return made;
}
