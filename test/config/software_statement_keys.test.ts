import { expect } from 'chai';

import { ConfigError, loadConfig } from '../../config/index.ts';
import { testJwks } from '../support/server.ts';

const PUBLIC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  kid: 'dir-1',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};

function load(value: string, env: Record<string, string> = {}) {
  return loadConfig({ NODE_ENV: 'test', JWKS: JSON.stringify(testJwks()), SOFTWARE_STATEMENT_JWKS: value, ...env });
}

function problemOf(value: string, env: Record<string, string> = {}): string {
  try {
    load(value, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
  }
  return '';
}

describe('config: SOFTWARE_STATEMENT_JWKS, the trusted directory of software statements (RFC 7591 §2.3)', () => {
  it('is unset by default: no directory is trusted', () => {
    expect(loadConfig({ NODE_ENV: 'test', JWKS: JSON.stringify(testJwks()) }).softwareStatementKeys).to.equal(undefined);
  });

  it('takes an inline JWK Set of public keys, or the URL of one', () => {
    expect(load(JSON.stringify({ keys: [PUBLIC_KEY] })).softwareStatementKeys).to.deep.equal({ jwks: { keys: [PUBLIC_KEY] } });
    expect(load('https://directory.example/jwks').softwareStatementKeys).to.deep.equal({ url: 'https://directory.example/jwks' });
  });

  it('refuses private keys, an empty set, bad JSON, and a plain-http URL in production, naming the variable', () => {
    expect(problemOf(JSON.stringify({ keys: [{ ...PUBLIC_KEY, d: 'secret' }] }))).to.contain('SOFTWARE_STATEMENT_JWKS');
    expect(problemOf(JSON.stringify({ keys: [] }))).to.contain('SOFTWARE_STATEMENT_JWKS');
    expect(problemOf('{"keys": [')).to.contain('SOFTWARE_STATEMENT_JWKS');
    const production = {
      NODE_ENV: 'production',
      ISSUER: 'https://auth.bank.example',
      REDIS_URL: 'redis://127.0.0.1:6379',
      COOKIE_KEYS: 'c'.repeat(40),
    };
    expect(problemOf('http://directory.example/jwks', production)).to.contain('SOFTWARE_STATEMENT_JWKS');
  });
});
