import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

import { expect } from 'chai';
import * as OTPAuth from 'otpauth';

import { Flow } from '../support/flow.ts';
import { freePorts } from '../support/redis_process.ts';

const exec = promisify(execFile);

/** Runs a `curl …` line exactly as the banner prints it (through a shell, as a newcomer pastes it). */
async function runPrinted(line: string, replace: Record<string, string> = {}): Promise<Record<string, unknown>> {
  let command = line.trim().replace(/^then:\s*/, '');
  for (const [from, to] of Object.entries(replace)) command = command.replace(from, to);
  const { stdout } = await exec('bash', ['-c', command]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('sandbox (README "Two commands"): what `npm start` prints works as printed', () => {
  let child: ChildProcess | undefined;
  let banner = '';

  before(async () => {
    const [port] = await freePorts(1);
    const { REDIS_URL: _none, ...env } = process.env;
    child = spawn(process.execPath, ['server/index.ts'], {
      env: { ...env, PORT: String(port), NODE_ENV: 'development', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('sample API:') || banner.includes('npm run start:api')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`exited with ${code}: ${banner}`)));
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  const lineWith = (needle: string) => banner.split('\n').find((l) => l.includes(needle))!;
  const valueOf = (label: string) => new RegExp(`${label}=(\\S+)`).exec(banner)![1]!;

  it('prints a client credentials curl that gets a token', async () => {
    const body = await runPrinted(lineWith('grant_type=client_credentials'));
    expect(body).to.include({ token_type: 'Bearer', status: 'approved', refresh_count: 0, scope: 'public:read' });
  });

  it('prints a login that works in a browser-like agent, and a code exchange that works with its code', async () => {
    const authUrl = new URL(lineWith('/auth?').trim());
    const flow = await Flow.open(authUrl);
    await flow.login(valueOf('username'), valueOf('password'));
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(valueOf('TOTP secret')), digits: 6, period: 30, algorithm: 'SHA1' });
    await flow.otp(totp.generate());
    if (!flow.callback) await flow.consent('allow');
    const code = flow.code();
    const tokens = await runPrinted(lineWith('grant_type=authorization_code'), { 'code=CODE': `code=${code}` });
    expect(tokens).to.include({ token_type: 'Bearer', status: 'approved', refresh_count: 0 });
    expect(tokens.refresh_token).to.be.a('string');
    expect(tokens.id_token).to.be.a('string');
  });
});
