import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

import { expect } from 'chai';

import { generateClientId } from '../../server/clients/manage.ts';
import { testJwks } from '../support/server.ts';

const exec = promisify(execFile);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('admin CLI (README "Admin CLI"): client commands, JSON on stdout, errors on stderr', function () {
  this.timeout(60_000); // every case starts CLI processes, each loading what its command needs
  const prefix = `valtuus-cli-test-${randomBytes(4).toString('hex')}:`;
  const env = {
    ...process.env,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    NODE_ENV: 'test',
    JWKS: JSON.stringify(testJwks()),
    COOKIE_KEYS: 'c'.repeat(40),
  };

  async function cli(args: string[], input?: string): Promise<CliResult> {
    const child = exec(process.execPath, ['server/admin/cli.ts', ...args], { env, cwd: process.cwd() });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    } else {
      child.child.stdin!.end();
    }
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  after(async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('client create prints JSON with the client_id and a 256-bit secret, shown only there', async () => {
    const res = await cli(['client', 'create', '--name', 'Rates Monitor', '--grant-types', 'client_credentials', '--scope', 'public:read']);
    expect(res.code, res.stderr).to.equal(0);
    const created = JSON.parse(res.stdout);
    expect(created).to.include({ client_name: 'Rates Monitor', token_endpoint_auth_method: 'client_secret_basic', scope: 'public:read' });
    expect(Buffer.from(created.client_secret, 'base64url').length).to.be.at.least(32);

    const shown = JSON.parse((await cli(['client', 'show', created.client_id])).stdout);
    expect(shown.client_id).to.equal(created.client_id);
    expect(shown).not.to.have.property('client_secret');

    const listed = JSON.parse((await cli(['client', 'list'])).stdout) as { client_id: string }[];
    expect(listed.map((c) => c.client_id)).to.include(created.client_id);
    expect(JSON.stringify(listed)).not.to.contain(created.client_secret);

    const rotated = JSON.parse((await cli(['client', 'rotate-secret', created.client_id])).stdout);
    expect(rotated.client_secret).to.be.a('string').and.not.equal(created.client_secret);

    const deleted = await cli(['client', 'delete', created.client_id]);
    expect(JSON.parse(deleted.stdout)).to.deep.equal({ client_id: created.client_id, deleted: true });
    const gone = await cli(['client', 'show', created.client_id]);
    expect(gone.code).to.not.equal(0);
    expect(gone.stdout).to.equal('');
    expect(gone.stderr).to.contain('no client');
  });

  it('refuses registrations that the API security levels forbid, with a clear message', async () => {
    const cc = await cli(['client', 'create', '--name', 'X', '--grant-types', 'client_credentials', '--scope', 'accounts:read']);
    expect(cc.code).to.not.equal(0);
    expect(cc.stderr).to.contain('client_credentials').and.contain('Accounts API');

    const secretForHigh = await cli([
      'client',
      'create',
      '--name',
      'X',
      '--grant-types',
      'authorization_code,refresh_token',
      '--redirect-uris',
      'https://tpp.example/cb',
      '--scope',
      'payments:write',
    ]);
    expect(secretForHigh.code).to.not.equal(0);
    expect(secretForHigh.stderr).to.contain('client_secret_basic').and.contain('private_key_jwt');

    const legacy = await cli(['client', 'create', '--name', 'X', '--grant-types', 'password', '--scope', 'accounts:read']);
    expect(legacy.code).to.not.equal(0);
    expect(legacy.stderr).to.contain('--allow-legacy-grants');

    const unknown = await cli(['client', 'create', '--name', 'X', '--grant-types', 'client_credentials', '--scope', 'nope:read']);
    expect(unknown.stderr).to.contain('unknown scope');
  });

  it('keys generate prints a private JWK Set that the server accepts', async () => {
    const res = await cli(['keys', 'generate']);
    expect(res.code).to.equal(0);
    const jwks = JSON.parse(res.stdout);
    expect(jwks.keys.map((k: { kty: string }) => k.kty)).to.deep.equal(['RSA', 'EC']);
    expect(jwks.keys.every((k: { d?: string; kid?: string }) => k.d && k.kid)).to.equal(true);
  });

  it('answers --help on every command and a usage error with a non-zero exit', async () => {
    for (const command of [
      ['client', 'create'],
      ['client', 'list'],
      ['client', 'show'],
      ['client', 'rotate-secret'],
      ['client', 'delete'],
      ['keys', 'generate'],
    ]) {
      const res = await cli([...command, '--help']);
      expect(res.code, command.join(' ')).to.equal(0);
      expect(res.stdout).to.contain('usage:');
    }
    const bad = await cli(['client', 'frobnicate']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('unknown command');
    const missing = await cli(['client', 'create', '--grant-types', 'client_credentials']);
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.contain('--name');
  });

  it('never generates a client id that begins with "-" (it would read as an option)', () => {
    const ids = Array.from({ length: 2000 }, generateClientId);
    expect(ids.filter((id) => !/^[A-Za-z0-9]/.test(id))).to.deep.equal([]);
    expect(new Set(ids).size).to.equal(2000);
  });

  it('names an existing client whose id begins with "-" after "--" (POSIX utility syntax guideline 10)', async function () {
    this.timeout(120_000); // six CLI runs, each a process of its own
    const created = JSON.parse((await cli(['client', 'create', '--name', 'Dash', '--grant-types', 'client_credentials'])).stdout);
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const dashed = `-${created.client_id}`;
    const stored = JSON.parse((await redis.get(`${prefix}Client:{${created.client_id}}`))!);
    await redis.set(`${prefix}Client:{${dashed}}`, JSON.stringify({ ...stored, client_id: dashed }));
    await redis.sadd(`${prefix}Client:list`, dashed);
    redis.disconnect();

    const refused = await cli(['client', 'show', dashed]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain('goes after "--"');
    const shown = await cli(['client', 'show', '--', dashed]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(JSON.parse(shown.stdout).client_id).to.equal(dashed);
    const rotated = await cli(['client', 'rotate-secret', '--', dashed]);
    expect(rotated.code, rotated.stderr).to.equal(0);
    expect(JSON.parse(rotated.stdout).client_secret).to.be.a('string');
    const deleted = await cli(['client', 'delete', '--', dashed]);
    expect(JSON.parse(deleted.stdout)).to.deep.equal({ client_id: dashed, deleted: true });
    expect((await cli(['client', 'show', '--', dashed])).code).to.equal(1);
  });

  it('says clearly that it needs REDIS_URL', async () => {
    const { REDIS_URL: _unset, ...noRedis } = env;
    const child = exec(process.execPath, ['server/admin/cli.ts', 'client', 'list'], { env: noRedis }).catch(
      (e) => e as { code: number; stderr: string },
    );
    const res = (await child) as { code: number; stderr: string };
    expect(res.code).to.not.equal(0);
    expect(res.stderr).to.contain('REDIS_URL');
  });
});
