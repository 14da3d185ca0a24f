import { ValtuusError } from '../lib/errors.ts';

/**
 * The REDIS_URL forms, one per deployment shape:
 *
 *   redis://[[user]:password@]host[:port][/db]                              one Redis (`rediss://`: TLS)
 *   redis+sentinel://[[user]:password@]host[:port],…/<master-name>          through Sentinel (`rediss+sentinel://`)
 *   redis+cluster://[[user]:password@]host[:port],…                         Redis Cluster (`rediss+cluster://`)
 *
 * The credentials are the data nodes'; sentinels that require a password of their own take it
 * as `?sentinelPassword=…`. The `URL` class cannot parse host lists, hence this small parser.
 */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCredentials {
  readonly username?: string;
  readonly password?: string;
}

export type RedisTarget =
  | { readonly mode: 'single'; readonly url: string }
  | (RedisCredentials & {
      readonly mode: 'sentinel';
      readonly tls: boolean;
      readonly sentinels: readonly RedisNode[];
      readonly masterName: string;
      readonly sentinelPassword?: string;
    })
  | (RedisCredentials & { readonly mode: 'cluster'; readonly tls: boolean; readonly nodes: readonly RedisNode[] });

/** What is wrong with a Redis URL; the message never repeats the URL, which may hold a password. */
export class RedisUrlError extends ValtuusError {
  static override readonly code = 'ERR_VALTUUS_REDIS_URL';
  override readonly code = 'ERR_VALTUUS_REDIS_URL';
}

const DEFAULT_PORT = { sentinel: 26379, cluster: 6379 };
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisUrlError(`the ${what} is not correctly percent-encoded`);
  }
}

function parseCredentials(userinfo: string | undefined): RedisCredentials {
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon), 'user name');
  const password = colon === -1 ? '' : decode(userinfo.slice(colon + 1), 'password');
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function parseNode(entry: string, defaultPort: number): RedisNode {
  const match = /^(.*?)(?::(\d+))?$/.exec(entry)!;
  const host = match[1]!;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!HOST.test(host)) throw new RedisUrlError(`"${entry}" is not a host[:port]`);
  if (port < 1 || port > 65535) throw new RedisUrlError(`the port of "${entry}" is not from 1 to 65535`);
  // ioredis takes IPv6 addresses without brackets
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

function parseNodes(hostList: string, defaultPort: number): RedisNode[] {
  if (hostList === '') throw new RedisUrlError('it names no host');
  return hostList.split(',').map((entry) => parseNode(entry, defaultPort));
}

function parseQuery(query: string | undefined, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query ?? '')) {
    if (!allowed.includes(name)) throw new RedisUrlError(`it has an unknown parameter "${name}"`);
    params.set(name, value);
  }
  return params;
}

function parseSingle(url: string): RedisTarget {
  if (/^rediss?:\/\/[^/?#]*,/.test(url)) {
    throw new RedisUrlError('it names several hosts: use redis+sentinel:// or redis+cluster:// for those');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError('it is not a URL');
  }
  if (!parsed.hostname) throw new RedisUrlError('it names no host');
  return { mode: 'single', url };
}

const FORM = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\//.test(url)) return parseSingle(url);
  const match = FORM.exec(url);
  if (!match) throw new RedisUrlError('its scheme is not redis, rediss, redis+sentinel, rediss+sentinel, redis+cluster or rediss+cluster');
  const [, scheme, mode, userinfo, hostList, path = '', query] = match;
  const common = { tls: scheme === 'rediss', ...parseCredentials(userinfo) };

  if (mode === 'cluster') {
    if (path !== '' && path !== '/') throw new RedisUrlError('a Cluster URL has no path (a Cluster has only database 0)');
    parseQuery(query, []);
    return { mode, ...common, nodes: parseNodes(hostList!, DEFAULT_PORT.cluster) };
  }

  const masterName = decode(path.slice(1), 'master name');
  if (!masterName || masterName.includes('/')) throw new RedisUrlError('a Sentinel URL needs the master name as its path: …/<master-name>');
  const sentinelPassword = parseQuery(query, ['sentinelPassword']).get('sentinelPassword');
  return {
    mode: 'sentinel',
    ...common,
    sentinels: parseNodes(hostList!, DEFAULT_PORT.sentinel),
    masterName,
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}
