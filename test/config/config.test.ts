import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { ConfigError, loadConfig } from '../../config/index.ts';
import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import { testJwks } from '../support/server.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  expect.fail('expected a ConfigError');
}

describe('config: environment (README "Configuration")', () => {
  it('refuses to start in production without REDIS_URL, COOKIE_KEYS and JWKS, naming each in one error', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ISSUER: 'https://auth.bank.example' });
    expect(problems.join('\n')).to.contain('REDIS_URL').and.contain('COOKIE_KEYS').and.contain('JWKS');
    expect(problems).to.have.length(3);
  });

  it('says ISSUER is required in production rather than defaulting to localhost', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).join('\n')).to.contain('ISSUER is required in production');
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      ISSUER: 'not a url',
      REDIS_URL: 'http://x',
      LOG_LEVEL: 'loud',
      JWKS: '{',
      WEB_CONCURRENCY: '0',
    });
    const text = problems.join('\n');
    for (const name of ['PORT', 'ISSUER', 'REDIS_URL', 'LOG_LEVEL', 'JWKS', 'WEB_CONCURRENCY']) expect(text).to.contain(name);
  });

  it('refuses a plain-http ISSUER and short cookie keys in production', () => {
    const text = problemsOf({
      NODE_ENV: 'production',
      ISSUER: 'http://auth.bank.example',
      REDIS_URL: 'rediss://redis.example:6380',
      COOKIE_KEYS: 'short',
      JWKS: JSON.stringify(testJwks()),
    }).join('\n');
    expect(text).to.contain('ISSUER').and.contain('COOKIE_KEYS');
  });

  it('refuses public keys where private signing keys are needed', () => {
    const publicOnly = { keys: testJwks().keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub) };
    expect(problemsOf({ JWKS: JSON.stringify(publicOnly) }).join('\n')).to.contain('JWKS');
  });

  it('accepts a complete production environment and freezes the result', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      ISSUER: 'https://auth.bank.example/',
      REDIS_URL: 'rediss://:pw@redis.example:6380',
      COOKIE_KEYS: `${'a'.repeat(32)},${'b'.repeat(32)}`,
      JWKS: JSON.stringify(testJwks()),
    });
    expect(config).to.include({ port: 8080, issuer: 'https://auth.bank.example', env: 'production' });
    expect(config.cookieKeys).to.have.length(2);
    expect(config.ephemeral).to.deep.equal([]);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('generates ephemeral keys in development and says which', () => {
    const config = loadConfig({}, { generateJwks: testJwks });
    expect(config.issuer).to.equal('http://localhost:3000');
    expect(config.redisUrl).to.equal(undefined);
    expect(config.ephemeral).to.deep.equal(['COOKIE_KEYS', 'JWKS']);
  });

  it('derives the same DPoP nonce secret in every process that shares COOKIE_KEYS', () => {
    const env = { COOKIE_KEYS: 'k'.repeat(40), JWKS: JSON.stringify(testJwks()) };
    expect(loadConfig(env).dpopNonceSecret.equals(loadConfig(env).dpopNonceSecret)).to.equal(true);
    expect(loadConfig(env).dpopNonceSecret).to.have.length(32);
  });
});

describe('config: API registry', () => {
  it('holds the three sample APIs of README "APIs and scopes" with their levels and scopes', () => {
    expect(sampleApis.map((a) => [a.id, a.level, a.scopes.map((s) => s.name).join(' ')])).to.deep.equal([
      ['public-data', 'low', 'public:read'],
      ['accounts', 'substantial', 'accounts:read accounts:write'],
      ['payments', 'high', 'payments:write'],
    ]);
  });

  it('reads API_REGISTRY from a JSON file, and names the variable when the file is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'valtuus-registry-'));
    const good = join(dir, 'apis.json');
    writeFileSync(
      good,
      JSON.stringify([
        { ...sampleApis[0], id: 'fx', resource: 'https://api.bank.example/fx', scopes: [{ name: 'fx:read', description: 'Read rates' }] },
      ]),
    );
    expect(loadConfig({ API_REGISTRY: good }, { generateJwks: testJwks }).apis.map((a) => a.id)).to.deep.equal(['fx']);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ ...sampleApis[0], level: 'medium' }]));
    expect(problemsOf({ API_REGISTRY: bad }).join('\n'))
      .to.contain('API_REGISTRY')
      .and.contain('level');
    writeFileSync(bad, '{');
    expect(problemsOf({ API_REGISTRY: bad }).join('\n')).to.contain('not valid JSON');
    expect(problemsOf({ API_REGISTRY: join(dir, 'missing.json') }).join('\n')).to.contain('API_REGISTRY');
    rmSync(dir, { recursive: true });
  });

  it('refuses a registry where two APIs declare the same scope', () => {
    const twin = { ...sampleApis[0]!, id: 'twin', resource: 'https://api.valtuus.example/twin' };
    expect(() => parseApiRegistry([...sampleApis, twin])).to.throw(/unique across APIs/);
  });
});
