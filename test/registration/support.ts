import { Writable } from 'node:stream';

import { InitialAccessTokens } from '../../server/clients/initial_access_tokens.ts';
import type { TestServer } from '../support/server.ts';

/** The operators' initial access tokens (`iat create`), on the test server's own store. */
export function initialAccessTokens(srv: TestServer): InitialAccessTokens {
  return new InitialAccessTokens(srv.provider, srv.deps.store, srv.registry, srv.deps.audit);
}

/** The audit events the app logs, parsed. */
export function auditLog(): { stream: Writable; events: () => Record<string, unknown>[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((entry) => entry.stream === 'audit');
  return { stream, events, text: () => lines.join('\n') };
}

/** An RFC 7591/7592 call with a bearer token (initial or registration access token). */
export function registrationCall(url: string, method: string, token: string | undefined, body?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
