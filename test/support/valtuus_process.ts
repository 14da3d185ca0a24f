import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { freePorts } from './redis_process.ts';
import { testJwks } from './server.ts';

/** `node server/index.ts` as an operator runs it, with the log lines it writes on stdout. */
export interface ValtuusProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** every line written so far */
  readonly lines: string[];
  /** resolves once `count` lines match; rejects if the process exits first */
  waitFor(match: RegExp, count?: number): Promise<void>;
  /** SIGTERM, as the platform sends it, and waits for the exit */
  stop(): Promise<void>;
}

export interface ValtuusProcessOptions {
  redisUrl?: string;
  redisKeyPrefix: string;
  workers?: number;
  env?: Record<string, string>;
  port?: number | undefined;
  /** a process group of its own, so a test can signal every process of it, as the platform does */
  detached?: boolean;
}

const COOKIE_KEYS = 'process-test-cookie-key-0123456789abcdef'; // shared, as replicas behind one name must

export async function startValtuusProcess(options: ValtuusProcessOptions): Promise<ValtuusProcess> {
  const port = options.port ?? (await freePorts(1))[0]!;
  const workers = options.workers ?? 1;
  const child = spawn(process.execPath, ['server/index.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info', // for the "listening" lines
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      REDIS_URL: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: options.redisKeyPrefix,
      WEB_CONCURRENCY: String(workers),
      COOKIE_KEYS,
      JWKS: JSON.stringify(testJwks()),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));

  function waitFor(match: RegExp, count = 1): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (lines.filter((l) => match.test(l)).length >= count) return resolve();
        child.stdout!.once('data', () => setImmediate(check));
      };
      child.once('exit', (code) => reject(new Error(`valtuus exited with ${code}:\n${[...lines, ...stderr].join('\n')}`)));
      check();
    });
  }

  async function stop(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  const started: ValtuusProcess = { child, port, url: `http://127.0.0.1:${port}`, lines, waitFor, stop };
  try {
    await waitFor(/"msg":"listening"/, workers);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return started;
}
