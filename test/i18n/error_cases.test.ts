import { expect } from 'chai';
import { errors } from 'oidc-provider';

import { StoreUnavailableError } from '../../adapters/errors.ts';
import { errorCase } from '../../server/pages/error_page.ts';

describe('error pages: each failure a person can meet has its own heading and sentence (RFC 6749 §4.1.2.1 errors kept off the page)', () => {
  const cases: [string, number, string, unknown, string][] = [
    ['an unknown or deleted app (invalid_client)', 400, 'invalid_client', undefined, 'unknown_app'],
    ['a redirect_uri the app did not register', 400, 'invalid_redirect_uri', undefined, 'wrong_return'],
    ['an interaction cookie that is gone', 400, 'invalid_request', new errors.SessionNotFound('x'), 'expired'],
    ['a form whose token no longer matches (403)', 403, 'invalid_request', undefined, 'expired'],
    [
      'the store being unreachable (503, temporarily_unavailable)',
      503,
      'temporarily_unavailable',
      new StoreUnavailableError(),
      'unavailable',
    ],
    ['any other refused request', 400, 'invalid_request', undefined, 'invalid'],
    ['anything unexpected', 500, 'server_error', new Error('boom'), 'server'],
  ];
  for (const [what, status, code, caught, expected] of cases) {
    it(`${what} → ${expected}`, () => {
      expect(errorCase(status, code, caught)).to.equal(expected);
    });
  }
});
