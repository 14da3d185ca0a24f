import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { expect } from 'chai';
import { URI } from 'otpauth';

import { createRedisStore } from '../../adapters/redis.ts';
import { loadConfig } from '../../config/index.ts';
import { accountServices } from '../../server/accounts/services.ts';
import { openTestRedis, type TestRedis } from '../support/redis.ts';
import { testJwks } from '../support/server.ts';

const exec = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('admin CLI: user create | delete | unlock | reset-totp (README "Admin CLI")', () => {
  let redis: TestRedis;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    redis = await openTestRedis();
    env = {
      ...process.env,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      NODE_ENV: 'test',
      JWKS: JSON.stringify(testJwks()),
      COOKIE_KEYS: 'c'.repeat(40),
      LOCKOUT_MAX_FAILURES: '2',
    };
  });

  after(async () => {
    await redis?.cleanup();
  });

  async function cli(args: string[], input = ''): Promise<CliResult> {
    const child = exec(process.execPath, ['server/admin/cli.ts', ...args], { env, cwd: process.cwd() });
    child.child.stdin!.end(input);
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  /** What the server would see: the same store and settings as the CLI. */
  async function withServices<T>(action: (services: ReturnType<typeof accountServices>) => Promise<T>): Promise<T> {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix, LOCKOUT_MAX_FAILURES: '2' });
    const store = createRedisStore({ url: redis.url, keyPrefix: redis.prefix });
    try {
      return await action(accountServices({ config, store }));
    } finally {
      await store.close();
    }
  }

  it('user create reads the password from stdin and prints {"sub","username","totp_uri"} as JSON', async () => {
    const res = await cli(['user', 'create', '--username', 'Jane.Doe'], 'a long enough password\n');
    expect(res.code, res.stderr).to.equal(0);
    const created = JSON.parse(res.stdout);
    expect(Object.keys(created).sort()).to.deep.equal(['sub', 'totp_uri', 'username']);
    expect(created.username).to.equal('jane.doe');
    expect(created.totp_uri).to.match(/^otpauth:\/\/totp\//);
    const outcome = await withServices((s) => s.authenticator.checkPassword('jane.doe', 'a long enough password', '192.0.2.1'));
    expect(outcome).to.deep.equal({ ok: true, sub: created.sub });
  });

  it('user create refuses a taken username, a missing password and a missing --username, on stderr with a non-zero exit', async () => {
    await cli(['user', 'create', '--username', 'taken.name'], 'a long enough password');
    const cases = [
      [['user', 'create', '--username', 'taken.name'], 'a long enough password', 'taken'],
      [['user', 'create', '--username', 'no.password'], '', 'stdin'],
      [['user', 'create'], 'a long enough password', '--username is required'],
      [['user', 'create', '--username', 'short.pw'], 'short', '12 to 256 characters'],
    ] as const;
    const results = await Promise.all(cases.map(([args, input]) => cli([...args], input)));
    results.forEach((res, i) => {
      const [args, , message] = cases[i]!;
      expect(res.code, args.join(' ')).to.not.equal(0);
      expect(res.stdout).to.equal('');
      expect(res.stderr).to.include(message);
    });
  });

  it('user unlock lifts a lock', async () => {
    const created = JSON.parse((await cli(['user', 'create', '--username', 'locked.out'], 'a long enough password')).stdout);
    // the account-wide lock follows failed one-time codes after a right password (README "Lockout")
    await withServices(async ({ authenticator }) => {
      await authenticator.checkCode(created.sub, '000000', '192.0.2.1');
      await authenticator.checkCode(created.sub, '000001', '192.0.2.1');
    });
    expect(await withServices((s) => s.accounts.status(created.sub))).to.equal('locked');
    const res = await cli(['user', 'unlock', 'locked.out']);
    expect(res.code, res.stderr).to.equal(0);
    expect(JSON.parse(res.stdout)).to.deep.equal({ sub: created.sub, username: 'locked.out', status: 'active' });
    expect(await withServices((s) => s.accounts.status(created.sub))).to.equal('active');
  });

  it('user reset-totp prints a new totp_uri with a new secret', async () => {
    const created = JSON.parse((await cli(['user', 'create', '--username', 'new.phone'], 'a long enough password')).stdout);
    const res = await cli(['user', 'reset-totp', 'new.phone']);
    expect(res.code, res.stderr).to.equal(0);
    const reset = JSON.parse(res.stdout);
    expect(reset.sub).to.equal(created.sub);
    expect(URI.parse(reset.totp_uri).secret.base32).not.to.equal(URI.parse(created.totp_uri).secret.base32);
  });

  it('user delete removes the customer; a second delete fails on stderr', async () => {
    const created = JSON.parse((await cli(['user', 'create', '--username', 'leaving'], 'a long enough password')).stdout);
    const res = await cli(['user', 'delete', 'leaving']);
    expect(JSON.parse(res.stdout)).to.deep.equal({ sub: created.sub, username: 'leaving', deleted: true });
    const again = await cli(['user', 'delete', 'leaving']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('no customer with username leaving');
  });

  it('each user command has --help', async () => {
    const commands = ['create', 'delete', 'unlock', 'reset-totp'];
    const results = await Promise.all(commands.map((command) => cli(['user', command, '--help'])));
    results.forEach((res, i) => {
      expect(res.code).to.equal(0);
      expect(res.stdout).to.include(`usage: npm run --silent admin -- user ${commands[i]}`);
    });
  });
});
