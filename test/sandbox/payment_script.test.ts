import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import { expect } from 'chai';
import * as OTPAuth from 'otpauth';

import { Flow } from '../support/flow.ts';
import { freePorts } from '../support/redis_process.ts';

/** Collects a process's stdout and resolves when it has printed `needle`. */
function printed(child: ChildProcess, needle: string | RegExp): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (typeof needle === 'string' ? out.includes(needle) : needle.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}

describe('sandbox: the printed payment script (PAR + private_key_jwt + DPoP with authorization_details) works as printed', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];
  let banner = '';
  let apiUrl = '';

  const start = (command: string, args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
  const valueOf = (label: string) => new RegExp(`${label}=(\\S+)`).exec(banner)![1]!;

  before(async () => {
    const [port, apiPort] = await freePorts(2);
    const { REDIS_URL: _none, ...env } = process.env;
    const sandbox = start(process.execPath, ['server/index.ts'], {
      ...env,
      PORT: String(port),
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
    });
    banner = await printed(sandbox, 'npm run --silent payment');
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const api = start(process.execPath, ['examples/sample_api/main.ts'], {
      ...env,
      PORT: String(apiPort),
      ISSUER: valueOf('ISSUER'),
      API_CLIENT_ID: valueOf('API_CLIENT_ID'),
      API_CLIENT_SECRET: valueOf('API_CLIENT_SECRET'),
      LOG_LEVEL: 'silent',
    });
    for (
      let attempt = 0;
      !(await fetch(`${apiUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
      attempt += 1
    ) {
      if (attempt > 100 || api.exitCode !== null) throw new Error('the sample API did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  after(async () => {
    for (const child of children) await stop(child);
  });

  it('the demo customer approves the payment; the sample API refuses a changed amount, pays once, refuses it again', async () => {
    const line = banner
      .split('\n')
      .find((l) => l.includes('npm run --silent payment'))!
      .trim();
    const script = start('bash', ['-c', line], { ...process.env, API_URL: apiUrl });
    const waiting = printed(script, /\/auth\?\S+\n/);
    const authUrl = new URL(/(http\S+\/auth\?\S+)/.exec(await waiting)![1]!);
    const redirectUri = valueOf('PAYMENT_REDIRECT_URI');

    // the customer's browser: a no-JavaScript agent that stops at the redirect URI, which it then opens
    authUrl.searchParams.set('redirect_uri', redirectUri);
    const flow = await Flow.open(authUrl);
    await flow.login(valueOf('username'), valueOf('password'));
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(valueOf('TOTP secret')), digits: 6, period: 30, algorithm: 'SHA1' });
    await flow.otp(totp.generate());
    expect(flow.html).to.contain('Approve this payment').and.contain('Kahvila Aurinko Oy').and.contain('FI21 1234 5600 0007 85');
    await flow.consent('allow');
    const done = printed(script, 'the approved payment again');
    await fetch(flow.callback!);
    const out = await done;
    expect(out).to.contain('"type":"payment_initiation"');
    expect(out).to.match(/a changed amount: 403 .*insufficient_scope/);
    expect(out).to.match(/the approved payment: 201 .*"status":"accepted"/);
    expect(out).to.match(/the approved payment again: 401 .*invalid_token/);
  });
});
