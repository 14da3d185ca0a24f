import { expect } from 'chai';

import { problemsWith } from './checks.ts';
import type { Case, Expect } from './mutations.ts';
import type { RawResponse } from './raw_http.ts';

const aCase = (expectation: Expect = { kind: 'app' }, onEndpoint = true): Case => ({
  target: 'token endpoint',
  label: 'probe',
  request: { method: 'POST', target: '/token' },
  expect: expectation,
  onEndpoint,
});

const response = (status: number, body: string, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers: new Map(Object.entries(headers)),
  body: Buffer.from(body),
});

const json = { 'content-type': 'application/json; charset=utf-8' };

describe('robustness checks: they catch what they are meant to catch', () => {
  it('pass a proper RFC 6749 §5.2 error', () => {
    expect(problemsWith(aCase(), response(400, '{"error":"invalid_request","error_description":"x"}', json), true)).to.deep.equal([]);
  });

  it('flag a 5xx', () => {
    expect(problemsWith(aCase(), response(500, '{"error":"server_error"}', json), true).join()).to.contain('status 500');
  });

  it('flag stack traces, internal paths and error messages in a body', () => {
    for (const body of [
      'TypeError: Cannot read properties of undefined',
      '    at Object.parse (file:///srv/app/server/app.ts:1:1)',
      '/app/node_modules/oidc-provider/lib/x.js',
      `${process.cwd()}/server/app.ts`,
      'Error: ERR_INVALID_ARG_TYPE',
    ]) {
      expect(
        problemsWith(aCase({ kind: 'app' }, false), response(400, body, { 'content-type': 'text/plain' }), false),
        body,
      ).not.to.deep.equal([]);
    }
  });

  it('flag an OAuth error that is not JSON, or JSON without an error code', () => {
    expect(problemsWith(aCase(), response(400, 'Bad Request', { 'content-type': 'text/plain' }), true)).to.have.length(1);
    expect(problemsWith(aCase(), response(400, '{"message":"bad"}', json), true)).to.have.length(1);
    expect(problemsWith(aCase(), response(400, '{"error":"bad\\"quote"}', json), true)).to.have.length(1);
  });

  it('flag a page that may be framed', () => {
    expect(problemsWith(aCase({ kind: 'app' }, false), response(200, '<html>', { 'content-type': 'text/html' }), false)).to.have.length(1);
  });

  it('flag a connection closed without an answer, unless the request broke HTTP itself', () => {
    const closed: RawResponse = { status: 0, headers: new Map(), body: Buffer.alloc(0), closed: true };
    expect(problemsWith(aCase(), closed, true)).to.have.length(1);
    expect(problemsWith(aCase({ kind: 'http' }), closed, true)).to.deep.equal([]);
  });

  it('flag a status other than the one required', () => {
    expect(problemsWith(aCase({ kind: 'status', status: 431 }), response(200, '{}', json), true)).to.have.length(1);
  });
});
