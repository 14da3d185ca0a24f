import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { Context } from 'koa';
import { errors } from 'oidc-provider';

import { asStoreError } from '../../adapters/errors.ts';
import type { Store } from '../../adapters/types.ts';

const PAR_URN = 'urn:ietf:params:oauth:request_uri:';
const COOKIE = '_valtuus_browser';
const BINDING_SECONDS = 120; // a pushed request lives 60 seconds at most; the binding a little longer

type SetIfAbsent = (key: string, value: string) => Promise<string>;

/** Stores `value` unless the key holds one already; returns what the key holds afterwards. */
function setIfAbsent(store: Store): SetIfAbsent {
  const { redis } = store;
  if (redis) {
    return async (key, value) => {
      try {
        if (redis.status !== 'ready') await store.ping();
        const set = await redis.set(key, value, 'EX', BINDING_SECONDS, 'NX');
        return set === 'OK' ? value : ((await redis.get(key)) ?? value);
      } catch (err) {
        throw asStoreError(err);
      }
    };
  }
  const held = new Map<string, { value: string; until: number }>();
  return async (key, value) => {
    const now = Date.now();
    const current = held.get(key);
    if (current && current.until > now) return current.value;
    if (held.size > 10_000) held.clear(); // the sandbox only
    held.set(key, { value, until: now + BINDING_SECONDS * 1000 });
    return value;
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * RFC 9126 §4: a request_uri is meant for one authorization request. oidc-provider keeps it
 * usable until the code is issued, so the first browser that presents it is remembered (a
 * random id in a signed cookie) and any other browser is refused with invalid_request_uri.
 */
export function parBrowserBinding(store: Store) {
  const bind = setIfAbsent(store);
  return async function bindRequestUriToBrowser(ctx: Context): Promise<void> {
    const requestUri = new URLSearchParams(ctx.querystring).get('request_uri');
    if (!requestUri?.startsWith(PAR_URN)) return;
    let browser = ctx.cookies.get(COOKIE, { signed: true });
    if (!browser) {
      browser = randomBytes(16).toString('base64url');
      ctx.cookies.set(COOKIE, browser, { path: '/auth', signed: true, httpOnly: true, sameSite: 'lax' });
    }
    const holder = await bind(store.keys.parBrowser(requestUri.slice(PAR_URN.length)), browser);
    if (!same(holder, browser)) {
      throw new errors.InvalidRequestUri('this request_uri is already in use in another browser; the application must push a new request');
    }
  };
}
