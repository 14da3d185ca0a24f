import { connect } from 'node:net';

/**
 * HTTP/1.1 over a bare socket, so that a request can carry what fetch and node:http refuse
 * to send: raw bytes in the path, NUL bytes, broken header values, lying framing.
 */
export interface RawRequest {
  method: string;
  /** sent as latin1, byte for byte */
  target: string;
  headers?: [string, string][];
  body?: Buffer | string;
  /** leave out the Content-Length the sender would add */
  noContentLength?: boolean;
  /** leave out the Host header the sender would add */
  omitHost?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
  /** the server closed the connection without an answer */
  closed?: boolean;
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parse(data: Buffer): RawResponse {
  let rest = data;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return { status: 0, headers: new Map(), body: rest, closed: true };
    const [statusLine = '', ...lines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    rest = rest.subarray(headEnd + 4);
    if (status >= 100 && status < 200) continue; // 100 Continue and friends precede the answer
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    const body = /chunked/i.test(headers.get('transfer-encoding') ?? '') ? dechunk(rest) : rest;
    return { status, headers, body };
  }
}

export function sendRaw(port: number, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'latin1') : (request.body ?? Buffer.alloc(0));
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has('host') && !request.omitHost) headers.unshift(['Host', `127.0.0.1:${port}`]);
  if (!request.noContentLength && !has('content-length') && !has('transfer-encoding') && (body.length || request.method === 'POST')) {
    headers.push(['Content-Length', String(body.length)]);
  }
  headers.push(['Connection', 'close']);
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;

  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // the server may answer and close before it has read the whole body (431, 413): that is an answer
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parse(Buffer.concat(chunks)));
    });
    // no half-close: Node's HTTP server may drop a request whose client has ended its side
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

/** Runs tasks with at most `limit` in flight; results in order. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
