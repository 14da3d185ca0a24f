import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { Agent } from '../support/flow.ts';
import { freePorts } from '../support/redis_process.ts';
import { testJwks } from '../support/server.ts';

/** One `node server/index.ts` process. */
export interface Instance {
  /** where this process listens (every instance shares the first one's URL as ISSUER) */
  readonly url: string;
  stop(): Promise<void>;
}

export interface SharedSettings {
  redisUrl: string;
  redisKeyPrefix: string;
}

const COOKIE_KEYS = 'scale-test-cookie-key-0123456789abcdef0123'; // shared, as every replica behind one name must

function spawnInstance(port: number, issuer: string, shared: SharedSettings): ChildProcess {
  return spawn(process.execPath, ['server/index.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info', // for the "listening" line
      PORT: String(port),
      ISSUER: issuer,
      REDIS_URL: shared.redisUrl,
      REDIS_KEY_PREFIX: shared.redisKeyPrefix,
      WEB_CONCURRENCY: '1', // one process per instance: two instances are two processes
      COOKIE_KEYS,
      JWKS: JSON.stringify(testJwks()),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves once the process logs that it listens; rejects with its output if it exits first. */
function listening(child: ChildProcess): Promise<void> {
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (output.length < 50) output.push(line);
      if (line.includes('"msg":"listening"')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => reject(new Error(`valtuus exited with ${code}:\n${output.join('\n')}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM'); // graceful: closes its Redis connections
  await exited;
}

/**
 * `count` Valtuus processes on one Redis, as replicas behind one load balancer: same ISSUER,
 * REDIS_URL, REDIS_KEY_PREFIX, COOKIE_KEYS and JWKS. Always stop them, also when a test fails.
 */
export async function startInstances(count: number, shared: SharedSettings): Promise<Instance[]> {
  const ports = await freePorts(count);
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const children = ports.map((port) => spawnInstance(port, issuer, shared));
  const instances = children.map((child, i) => ({ url: `http://127.0.0.1:${ports[i]}`, stop: () => stopChild(child) }));
  const started = await Promise.allSettled(children.map(listening));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw failed.reason;
  }
  return instances;
}

/** A browser behind a load balancer: its cookies are the issuer's, and `target` says which instance gets the next request. */
export class RoutingAgent extends Agent {
  target: Instance;

  constructor(target: Instance) {
    super();
    this.target = target;
  }

  override request(url: URL, init?: { method?: string; form?: Record<string, string> }): Promise<Response> {
    return super.request(new URL(`${url.pathname}${url.search}`, this.target.url), init);
  }
}
