import { createServer } from 'node:net';

/** A loopback port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() resolves true, the deadline passes, or giveUp() says it never will. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  giveUp?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = giveUp?.();
    if (reason) throw new Error(reason);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** True when GET url answers with the expected status. */
export async function answers(url: string, status = 200): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === status;
}

export function basicAuth(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: form-encode each part before base64
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export interface FormResponse {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

export async function postForm(url: string, form: Record<string, string>, authorization?: string): Promise<FormResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  return formResponse(res.status, await res.text());
}

export function formResponse(status: number, text: string): FormResponse {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the caller reports the text
  }
  return { status, body, text };
}

/** "400 invalid_grant: refresh token not found" or the start of a non-JSON body. */
export function describeResponse(res: FormResponse): string {
  if (typeof res.body.error === 'string') {
    return `${res.status} ${res.body.error}${res.body.error_description ? `: ${String(res.body.error_description)}` : ''}`;
  }
  return `${res.status} ${res.text.slice(0, 120).replace(/\s+/g, ' ')}`;
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
