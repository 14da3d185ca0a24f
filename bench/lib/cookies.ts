interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** RFC 6265 §5.1.4: a cookie without Path belongs to the request path's directory. */
function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/');
  return slash <= 0 ? '/' : requestPath.slice(0, slash);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}

/** A browser's cookie store for one host, as far as one login needs it: paths and deletion. */
export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  store(url: URL, setCookies: readonly string[] | undefined): void {
    if (!setCookies) return;
    for (const header of setCookies) {
      const parts = header.split(';');
      const pair = parts[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: '' };
      let expired = false;
      for (let i = 1; i < parts.length; i++) {
        const attr = parts[i]!;
        const at = attr.indexOf('=');
        const key = (at < 0 ? attr : attr.slice(0, at)).trim().toLowerCase();
        const val = at < 0 ? '' : attr.slice(at + 1).trim();
        if (key === 'path' && val.startsWith('/')) cookie.path = val;
        else if (key === 'max-age' && Number(val) <= 0) expired = true;
        else if (key === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      cookie.path ||= defaultPath(url.pathname);
      const id = `${cookie.name};${cookie.path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, cookie);
    }
  }

  header(url: URL): string {
    let header = '';
    for (const c of this.#cookies.values()) {
      if (pathMatches(c.path, url.pathname)) header += `${header ? '; ' : ''}${c.name}=${c.value}`;
    }
    return header;
  }
}
