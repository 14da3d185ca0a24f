import { Agent, request, type IncomingHttpHeaders } from 'node:http';

/**
 * A plain HTTP/1.1 client over node:http for the scripted customers. fetch() (undici, web
 * streams, a resource-timing entry per request) cost the flow client more CPU than the server
 * spent on the flow, and the load generator shares the benchmark machine's two cores with the
 * server. Connections are kept alive and shared by all customers, as browsers keep theirs.
 */

const TIMEOUT_MS = 15_000;

// one pool for the whole harness: connections to each server are reused from flow to flow
const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A socket the server closed while it sat idle in the pool fails at once; the request never reached the server. */
function closedWhileIdle(err: NodeJS.ErrnoException, reused: boolean): boolean {
  return reused && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

function exchange(url: URL, req: HttpRequest, mayRetry: boolean): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const outgoing = request(url, { method: req.method, headers, agent, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new Error(`${req.method} ${url.pathname}: the connection closed before the answer was complete`));
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString(),
        }),
      );
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${req.method} ${url.pathname}: no answer in ${TIMEOUT_MS / 1000} s`)));
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      // Node's documented remedy for a pooled connection the server had just closed: send again, on a new one
      if (mayRetry && closedWhileIdle(err, outgoing.reusedSocket)) resolve(exchange(url, req, false));
      else reject(err);
    });
    outgoing.end(req.body);
  });
}

/** Sends one request and reads the whole answer; redirects are the caller's to follow. */
export function send(url: URL, req: HttpRequest): Promise<HttpAnswer> {
  return exchange(url, req, true);
}
