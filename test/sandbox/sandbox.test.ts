import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

import { expect } from 'chai';
import * as OTPAuth from 'otpauth';

import { ApprovalAgent } from '../ciba/support.ts';
import { Flow } from '../support/flow.ts';
import { freePorts } from '../support/redis_process.ts';

const exec = promisify(execFile);

/** Runs a `curl …` line exactly as the banner prints it (through a shell, as a newcomer pastes it). */
async function runPrinted(line: string, replace: Record<string, string> = {}): Promise<Record<string, unknown>> {
  let command = line.trim().replace(/^[^:]*:\s*(?=curl )/, '');
  for (const [from, to] of Object.entries(replace)) command = command.replace(from, to);
  const { stdout } = await exec('bash', ['-c', command]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('sandbox (README "Two commands"): what `npm start` prints works as printed', () => {
  let child: ChildProcess | undefined;
  let banner = '';
  let port = 0;

  before(async () => {
    [port] = (await freePorts(1)) as [number];
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
    // the previous step's code (still accepted, RFC 6238 §5.2), so that the next test may use the current one: each works once
    await flow.otp(totp.generate({ timestamp: Date.now() - 30_000 }));
    if (!flow.callback) await flow.consent('allow');
    const code = flow.code();
    const tokens = await runPrinted(lineWith('grant_type=authorization_code'), { 'code=CODE': `code=${code}` });
    expect(tokens).to.include({ token_type: 'Bearer', status: 'approved', refresh_count: 0 });
    expect(tokens.refresh_token).to.be.a('string');
    expect(tokens.id_token).to.be.a('string');
  });

  it('the demo app’s redirect URI is a page of the sandbox that shows the code and state and the token response it got', async () => {
    const authUrl = new URL(lineWith('/auth?').trim());
    const flow = await Flow.open(authUrl);
    await flow.login(valueOf('username'), valueOf('password'));
    const current = await (await fetch(new URL('/demo/code', authUrl))).text(); // the banner's "current code"
    expect(current.trim()).to.match(/^\d{6}$/);
    await flow.otp(current.trim());
    if (!flow.callback) await flow.consent('allow');
    expect(flow.callback!.pathname).to.equal('/demo/callback');
    const page = await flow.agent.request(flow.callback!);
    const html = await page.text();
    expect(page.status, html).to.equal(200);
    expect(html).to.include('state=demo');
    expect(html).to.include('Token response (HTTP 200)');
    expect(html).to.match(/&#34;access_token&#34;: &#34;[\w-]+&#34;/);
    expect(banner).to.include('otpauth URI=otpauth://totp/');
  });

  it('the banner sets ACCESS_TOKEN itself before the sample API curl, so that line runs as printed', async () => {
    const line = lineWith('ACCESS_TOKEN=$(').trim();
    const { stdout } = await exec('bash', ['-c', `${line}; printf %s "$ACCESS_TOKEN"`]);
    expect(stdout).to.match(/^[\w-]{20,}$/);
  });

  it('a second `npm start` on the busy port says so, exits non-zero, and prints no credentials', async () => {
    const { REDIS_URL: _none, ...env } = process.env;
    const second = await exec(process.execPath, ['server/index.ts'], {
      env: { ...env, PORT: String(port), NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(second.code).to.equal(1);
    expect(second.stderr).to.include(`port ${port} is already in use`);
    expect(second.stdout).not.to.include('client_secret');
  });

  it('prints a CIBA request, the approval page and a token request that work as printed', async () => {
    const started = await runPrinted(lineWith('/backchannel'));
    expect(started.auth_req_id).to.be.a('string');
    const page = new ApprovalAgent({ url: /approve it at (\S+)\/approve /.exec(banner)![1]! });
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(valueOf('TOTP secret')), digits: 6, period: 30, algorithm: 'SHA1' });
    // the login test above used this moment's code; each code works once, so this takes the next one
    await page.signIn({
      username: valueOf('username'),
      password: valueOf('password'),
      nextCode: () => totp.generate({ timestamp: Date.now() + 30_000 }),
    });
    expect(page.html).to.include('DEMO-1').and.to.include('Demo Kiosk');
    expect(await page.answer(String(started.auth_req_id), 'allow')).to.include('Approved.');
    const tokens = await runPrinted(lineWith('auth_req_id=AUTH_REQ_ID'), { AUTH_REQ_ID: String(started.auth_req_id) });
    expect(tokens).to.include({ token_type: 'Bearer', status: 'approved' });
  });
});
