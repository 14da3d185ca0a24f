import { AuthorizationServerUnavailable, invalidToken } from './errors.ts';
import { digestKey, expiringCache } from './cache.ts';
import { toVerifiedToken } from './claims.ts';
import type { VerifiedToken } from './types.ts';

export interface IntrospectionOptions {
  /** the API's own client at the authorization server (client_secret_basic) */
  clientId: string;
  clientSecret: string;
  /** default `<issuer>/token/introspection`, oidc-provider's route */
  endpoint?: string;
  /** how long an answer is reused; never past the token's expiry. 0 asks every time. */
  cacheSeconds?: number;
  cacheSize?: number;
  timeoutMs?: number;
}

export type IntrospectionAnswer = Record<string, unknown> & { active: boolean };

const DEFAULT_CACHE_SECONDS = 5; // a revoked token keeps working at most this long
const DEFAULT_CACHE_SIZE = 10_000;
const DEFAULT_TIMEOUT_MS = 3000;

const unavailable = (reason: string, cause?: unknown) =>
  new AuthorizationServerUnavailable('the authorization server could not be asked about the access token; try again shortly', {
    cause: new Error(reason, { cause }),
  });

/** RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding. */
function basicCredentials(clientId: string, secret: string): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

async function askAuthorizationServer(
  endpoint: string,
  authorization: string,
  token: string,
  timeoutMs: number,
): Promise<IntrospectionAnswer> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw unavailable(`introspection request to ${endpoint} failed`, err);
  }
  if (response.status !== 200) throw unavailable(`introspection at ${endpoint} answered HTTP ${response.status}`);
  const body = (await response.json().catch(() => undefined)) as IntrospectionAnswer | undefined;
  if (!body || typeof body !== 'object' || typeof body.active !== 'boolean')
    throw unavailable(`introspection at ${endpoint} gave no RFC 7662 answer`);
  return body;
}

/** An answer is reused for the cache window, but never past the token's expiry. */
export function cacheTtlMs(answer: IntrospectionAnswer, cacheSeconds: number): number {
  const window = cacheSeconds * 1000;
  if (!answer.active) return window;
  return typeof answer.exp === 'number' ? Math.min(window, answer.exp * 1000 - Date.now()) : 0;
}

/** An access token is what we check; refresh tokens also introspect as active (RFC 7662 §2.2). */
function checkAnswer(answer: IntrospectionAnswer, issuer: string, token: string): VerifiedToken {
  if (!answer.active) throw invalidToken('the access token is not active: unknown, expired or revoked');
  if (answer.token_type !== 'Bearer' && answer.token_type !== 'DPoP') throw invalidToken('the token is not an access token');
  if (answer.iss !== undefined && answer.iss !== issuer) throw invalidToken('the access token was issued by another authorization server');
  if (typeof answer.exp === 'number' && answer.exp * 1000 <= Date.now()) throw invalidToken('the access token has expired');
  const { active: _active, ...claims } = answer;
  return toVerifiedToken('opaque', claims, token);
}

/** RFC 7662 introspection with a short in-process cache keyed by the token's digest. */
export function createIntrospector(issuer: string, options: IntrospectionOptions) {
  const endpoint = options.endpoint ?? `${issuer}/token/introspection`;
  const authorization = basicCredentials(options.clientId, options.clientSecret);
  const cacheSeconds = options.cacheSeconds ?? DEFAULT_CACHE_SECONDS;
  const cache = expiringCache<IntrospectionAnswer>(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // a burst of requests with one uncached token asks the authorization server once
  const pending = new Map<string, Promise<IntrospectionAnswer>>();

  function ask(key: string, token: string): Promise<IntrospectionAnswer> {
    let answer = pending.get(key);
    if (!answer) {
      answer = askAuthorizationServer(endpoint, authorization, token, timeoutMs)
        .then((a) => {
          cache.set(key, a, cacheTtlMs(a, cacheSeconds));
          return a;
        })
        .finally(() => pending.delete(key));
      pending.set(key, answer);
    }
    return answer;
  }

  return async function introspect(token: string): Promise<VerifiedToken> {
    const key = digestKey(token);
    return checkAnswer(cache.get(key) ?? (await ask(key, token)), issuer, token);
  };
}
