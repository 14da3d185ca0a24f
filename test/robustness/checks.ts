import type { Case } from './mutations.ts';
import type { RawResponse } from './raw_http.ts';

// what a stack trace or an internal error looks like in a body
const LEAKS: [string, RegExp][] = [
  ['a node_modules path', /node_modules\//],
  ['a stack frame', /\bat (?:async )?[\w$.<>[\]]+(?: \[as \w+\])? \((?:file:|node:|\/)/],
  ['a file URL', /file:\/\//],
  // the page title of a refused form says "Error: …" for screen readers (WCAG 2.2 §3.3.1): not a leak
  ['an Error: message', /\b[A-Z]?\w*Error: (?!.*<\/title>)/],
  ['a Node error code', /\bERR_[A-Z][A-Z_]{3,}\b/],
  ['a Redis detail', /ioredis|ECONNREFUSED|WRONGTYPE|NOSCRIPT/],
  ['the working directory', new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))],
];

// RFC 6749 §5.2: error is ASCII %x20-21 / %x23-5B / %x5D-7E
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/** Every way this response breaks the rules; empty when it is fine. */
export function problemsWith(c: Case, res: RawResponse, oauthJson: boolean): string[] {
  const problems: string[] = [];
  const { expect } = c;
  if (res.closed) {
    if (expect.kind !== 'http') problems.push('the connection closed without an answer');
    return problems;
  }
  if (res.status >= 500) problems.push(`status ${res.status}`);
  if (expect.kind === 'status' && res.status !== expect.status) problems.push(`status ${res.status}, expected ${expect.status}`);
  if (expect.kind === 'http' && expect.statuses && !expect.statuses.includes(res.status)) {
    problems.push(`status ${res.status}, expected one of ${expect.statuses.join(', ')}`);
  }

  const body = res.body.toString('utf8');
  for (const [what, pattern] of LEAKS) if (pattern.test(body)) problems.push(`the body shows ${what}: ${body.slice(0, 200)}`);

  const type = res.headers.get('content-type') ?? '';
  // 431 comes from Node's parser, before any application code
  if (oauthJson && c.onEndpoint && expect.kind === 'app' && res.status >= 400 && res.status < 500 && res.status !== 431) {
    if (!/^application\/json/.test(type)) problems.push(`a ${res.status} error as ${type || 'no content type'}, not RFC 6749 §5.2 JSON`);
    else {
      try {
        const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
        if (typeof parsed.error !== 'string' || !ERROR_CODE.test(parsed.error))
          problems.push(`no RFC 6749 §5.2 error code in ${body.slice(0, 200)}`);
        if (parsed.error_description !== undefined && typeof parsed.error_description !== 'string')
          problems.push('error_description is not a string');
      } catch {
        problems.push(`a JSON error that does not parse: ${body.slice(0, 200)}`);
      }
    }
  }

  if (
    /^text\/html/.test(type) &&
    (res.status < 300 || res.status >= 400) &&
    !/frame-ancestors 'none'/.test(res.headers.get('content-security-policy') ?? '')
  ) {
    problems.push(`an HTML page (${res.status}) without frame-ancestors 'none'`);
  }
  return problems;
}
