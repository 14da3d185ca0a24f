import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

import { expect } from 'chai';
import { exportJWK, generateKeyPair } from 'jose';

import { testJwks } from '../support/server.ts';

const exec = promisify(execFile);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('admin CLI: client lifecycle and initial access tokens (README "Admin CLI")', function () {
  this.timeout(90_000); // each call starts a process of its own
  const prefix = `valtuus-cli-lifecycle-${randomBytes(4).toString('hex')}:`;
  const env = {
    ...process.env,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    NODE_ENV: 'test',
    JWKS: JSON.stringify(testJwks()),
    COOKIE_KEYS: 'c'.repeat(40),
  };

  async function cli(args: string[], input = '', extraEnv: Record<string, string> = {}) {
    const child = exec(process.execPath, ['server/admin/cli.ts', ...args], { env: { ...env, ...extraEnv } });
    child.child.stdin!.end(input);
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr, json: JSON.parse(stdout) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr, json: {} };
    }
  }

  const auditEvents = (stderr: string) =>
    stderr
      .split('\n')
      .filter((l) => l.includes('"stream":"audit"'))
      .map((l) => JSON.parse(l).event as string);

  after(async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('creates a client of a low and a substantial API, and shows its APIs with levels, grants, auth method and profile', async () => {
    const created = await cli([
      'client',
      'create',
      '--name',
      'Budget Planner',
      '--grant-types',
      'client_credentials,authorization_code,refresh_token',
      '--redirect-uris',
      'https://planner.example/cb',
      '--scope',
      'public:read accounts:read',
    ]);
    expect(created.code, created.stderr).to.equal(0);
    const id = created.json.client_id;
    const shown = (await cli(['client', 'show', id])).json;
    expect(shown.apis).to.deep.equal([
      { api: 'public-data', level: 'low', scopes: ['public:read'] },
      { api: 'accounts', level: 'substantial', scopes: ['accounts:read'] },
    ]);
    expect(shown).to.include({ token_endpoint_auth_method: 'client_secret_basic', token_response_profile: 'default' });
    const listed = (await cli(['client', 'list'])).json as unknown as Record<string, unknown>[];
    expect(listed.find((c) => c.client_id === id)).to.deep.equal({
      client_id: id,
      client_name: 'Budget Planner',
      apis: shown.apis,
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      token_response_profile: 'default',
    });
  });

  it('client update keeps the client_id, changes only what is given, and is audited', async () => {
    const created = (await cli(['client', 'create', '--name', 'Rates', '--grant-types', 'client_credentials', '--scope', 'public:read']))
      .json;
    const updated = await cli([
      'client',
      'update',
      created.client_id,
      '--name',
      'Rates Monitor',
      '--logo-uri',
      'https://rates.example/logo.png',
      '--policy-uri',
      'https://rates.example/privacy',
      '--token-response-profile',
      'apigee',
    ]);
    expect(updated.code, updated.stderr).to.equal(0);
    expect(updated.json).to.include({
      client_id: created.client_id,
      client_name: 'Rates Monitor',
      logo_uri: 'https://rates.example/logo.png',
      policy_uri: 'https://rates.example/privacy',
      token_response_profile: 'apigee',
      scope: 'public:read',
    });
    expect(updated.json).not.to.have.property('client_secret');
    expect(auditEvents(updated.stderr)).to.deep.equal(['client.updated']);
  });

  it('client update takes an inline JWKS from stdin (--jwks -), switching to private_key_jwt and dropping the secret', async () => {
    const created = (await cli(['client', 'create', '--name', 'Keys', '--grant-types', 'client_credentials', '--scope', 'public:read']))
      .json;
    const { publicKey } = await generateKeyPair('ES256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    const updated = await cli(['client', 'update', created.client_id, '--jwks', '-', '--auth-method', 'private_key_jwt'], jwks);
    expect(updated.code, updated.stderr).to.equal(0);
    expect(updated.json.token_endpoint_auth_method).to.equal('private_key_jwt');
    expect(updated.json.jwks.keys[0].kid).to.equal('k1');
    expect(updated.json).not.to.have.property('client_secret');
  });

  it('refuses what the levels forbid on update, with the reason', async () => {
    const created = (await cli(['client', 'create', '--name', 'X', '--grant-types', 'client_credentials', '--scope', 'public:read'])).json;
    const res = await cli(['client', 'update', created.client_id, '--scope', 'accounts:read']);
    expect(res.code).to.not.equal(0);
    expect(res.stderr).to.contain('grant client_credentials refused').and.contain('Accounts API');
  });

  it('refuses a jwks_uri on loopback in production, saying why', async () => {
    const production = {
      NODE_ENV: 'production',
      ISSUER: 'https://auth.bank.example',
      COOKIE_KEYS: 'c'.repeat(40),
    };
    const res = await cli(
      [
        'client',
        'create',
        '--name',
        'L',
        '--grant-types',
        'client_credentials',
        '--scope',
        'public:read',
        '--jwks-uri',
        'http://127.0.0.1:9/jwks',
      ],
      '',
      production,
    );
    expect(res.code).to.not.equal(0);
    expect(res.stderr).to.contain('loopback or private address').and.contain('production');
  });

  it('answers --help on the new commands', async () => {
    for (const command of [
      ['client', 'update'],
      ['iat', 'create'],
      ['iat', 'list'],
      ['iat', 'revoke'],
    ]) {
      const child = exec(process.execPath, ['server/admin/cli.ts', ...command, '--help'], { env });
      const { stdout } = await child;
      expect(stdout, command.join(' ')).to.contain('usage:');
    }
  });

  it('iat create / list / revoke: the value is shown once, listed by id, and revocation is audited', async () => {
    const issued = await cli(['iat', 'create', '--expires-in', '600', '--scope', 'public:read']);
    expect(issued.code, issued.stderr).to.equal(0);
    expect(issued.json.initial_access_token).to.be.a('string');
    expect(issued.json.apis).to.deep.equal(['public-data']);
    expect(auditEvents(issued.stderr)).to.deep.equal(['iat.issued']);
    const listed = await cli(['iat', 'list']);
    expect(listed.stdout).to.contain(issued.json.id).and.not.contain(issued.json.initial_access_token);
    const revoked = await cli(['iat', 'revoke', issued.json.id]);
    expect(revoked.json).to.deep.equal({ id: issued.json.id, revoked: true });
    expect(auditEvents(revoked.stderr)).to.deep.equal(['iat.revoked']);
    expect((await cli(['iat', 'list'])).stdout).not.to.contain(issued.json.id);
  });
});
