import { BlockList, isIP } from 'node:net';

import type { Context, Middleware, Next } from 'koa';
import { LRUCache } from 'lru-cache';

import type { Config, TrustProxy } from '../../config/index.ts';

/** IPv4 peers of a dual-stack socket arrive as ::ffff:a.b.c.d. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function trustList(setting: TrustProxy): (address: string) => boolean {
  if (setting === 'all') return () => true;
  const list = new BlockList();
  for (const entry of setting) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  // BlockList builds a SocketAddress per check: the answer for a peer is kept (few peers: the proxies in front)
  const known = new LRUCache<string, boolean>({ max: 1000 });
  return (address) => {
    let answer = known.get(address);
    if (answer === undefined) {
      const a = plain(address);
      const family = isIP(a);
      answer = family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
      known.set(address, answer);
    }
    return answer;
  };
}

/**
 * The address the first untrusted hop connected from: X-Forwarded-For read from the right,
 * past every trusted proxy. With `all` only the router in front is trusted (one hop), so a
 * value the client wrote itself, further left, is never taken.
 */
function clientAddress(peer: string, forwardedFor: string | undefined, setting: TrustProxy, trusted: (a: string) => boolean): string {
  const hops = [...(forwardedFor ?? '').split(',').map((h) => h.trim()), peer].filter((h) => isIP(plain(h)));
  if (setting === 'all') return hops.length > 1 ? hops[hops.length - 2]! : peer;
  let i = hops.length - 1;
  while (i > 0 && trusted(hops[i]!)) i -= 1;
  return hops[i] ?? peer;
}

export interface ArrivalState {
  /** whether the request reached the first trusted hop over TLS (README "Transport") */
  arrivedOverTls: boolean;
}

/**
 * Forwarding headers are believed only from the proxies TRUST_PROXY names (README
 * "Deployment"); X-Forwarded-Host never. Once the request's real address and protocol are
 * known, its Host is ISSUER's, so every absolute URL oidc-provider builds (discovery, the
 * accepted client-assertion audiences) comes from ISSUER alone (RFC 7523 §3).
 */
export function believeTrustedProxies(config: Pick<Config, 'trustProxy'>): Middleware {
  const trusted = trustList(config.trustProxy);
  return async function readForwarding(ctx: Context, next: Next): Promise<void> {
    const { headers, socket } = ctx.req;
    const peer = socket.remoteAddress ?? '';
    const believed = trusted(peer);
    const proto = believed
      ? String(headers['x-forwarded-proto'] ?? '')
          .split(',')[0]!
          .trim()
      : '';
    const encrypted = Boolean((socket as { encrypted?: boolean }).encrypted);
    (ctx.state as ArrivalState).arrivedOverTls = proto ? proto === 'https' : encrypted;
    headers['x-forwarded-for'] = plain(
      believed ? clientAddress(peer, headers['x-forwarded-for'] as string, config.trustProxy, trusted) : peer,
    );
    // a delete turns the headers object into a slow dictionary: only when there is something to delete
    if (headers['x-forwarded-proto'] !== undefined) delete headers['x-forwarded-proto'];
    if (headers['x-forwarded-host'] !== undefined) delete headers['x-forwarded-host'];
    return next();
  };
}

/** After the transport check: URLs are built from ISSUER's origin, whatever Host the request named. */
export function hostFromIssuer(config: Pick<Config, 'issuer'>): Middleware {
  const { host, protocol } = new URL(config.issuer);
  const proto = protocol.slice(0, -1);
  return async function pinHostToIssuer(ctx: Context, next: Next): Promise<void> {
    ctx.req.headers.host = host;
    ctx.req.headers['x-forwarded-proto'] = proto;
    return next();
  };
}
