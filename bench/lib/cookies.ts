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

  store(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attrs] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: defaultPath(url.pathname) };
      let expired = false;
      for (const attr of attrs) {
        const [key = '', val = ''] = attr.split('=').map((s) => s.trim());
        if (/^path$/i.test(key) && val.startsWith('/')) cookie.path = val;
        if (/^max-age$/i.test(key) && Number(val) <= 0) expired = true;
        if (/^expires$/i.test(key) && Date.parse(val) <= Date.now()) expired = true;
      }
      const id = `${cookie.name};${cookie.path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, cookie);
    }
  }

  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter((c) => pathMatches(c.path, url.pathname))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}
