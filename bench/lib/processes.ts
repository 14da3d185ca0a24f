import { spawn, type ChildProcess } from 'node:child_process';

const TAIL_BYTES = 8192;
const STOP_GRACE_MS = 10_000; // Valtuus itself gives up on shutdown after 9 s

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Managed {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** The last few KB of stdout and stderr, for error messages. */
  output(): string;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** called with each chunk of stdout, e.g. to find a line that says "ready" */
  onStdout?: (chunk: string) => void;
  /** stdout carries secrets: it is left out of output(), which error messages show */
  privateStdout?: boolean;
}

const running = new Set<Managed>();
let stopping = false;

/** True once Ctrl-C (or SIGTERM) asked the harness to stop: start nothing new. */
export function isStopping(): boolean {
  return stopping;
}

function keepTail(tail: { text: string }, chunk: Buffer): void {
  tail.text = (tail.text + chunk.toString('utf8')).slice(-TAIL_BYTES);
}

/**
 * Spawns a command in its own process group, so that stopping it also stops whatever it
 * forked (Valtuus' cluster workers) and a Ctrl-C in the terminal reaches only the harness,
 * which then stops everything in order.
 */
export function startProcess(name: string, command: string, args: string[], options: StartOptions = {}): Managed {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    child.once('error', () => undefined); // reported by the throw below, with what to install
    throw new Error(`${name}: could not start ${command} (is it installed and on the PATH? see bench/README.md)`);
  }
  const tail = { text: '' };
  let done = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (!options.privateStdout) keepTail(tail, chunk);
    options.onStdout?.(chunk.toString('utf8'));
  });
  child.stderr!.on('data', (chunk: Buffer) => keepTail(tail, chunk));
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      resolve({ code: -1, signal: null });
    });
  });
  const managed: Managed = { name, pid: child.pid, child, exited, hasExited: () => done, output: () => tail.text };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  return managed;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** SIGTERM to the whole group, then SIGKILL if it has not gone within the grace period. */
export async function stopProcess(managed: Managed, graceMs = STOP_GRACE_MS): Promise<ExitInfo | undefined> {
  if (!managed.hasExited()) signalGroup(managed.pid, 'SIGTERM');
  const result = await Promise.race([managed.exited, delay(graceMs).then(() => undefined)]);
  // stragglers in the group (workers whose primary died first) go too
  signalGroup(managed.pid, 'SIGKILL');
  running.delete(managed);
  return result;
}

/** Stops everything started here, newest first (servers before the Redis they use). */
export async function stopAll(): Promise<void> {
  for (const managed of [...running].reverse()) await stopProcess(managed);
}

function killAllNow(): void {
  for (const managed of running) signalGroup(managed.pid, 'SIGKILL');
}

/** However the harness ends (normally, by exception, or Ctrl-C), nothing it started survives it. */
export function installCleanup(): void {
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    stopping = true;
    process.stderr.write(`\nbench: ${signal}, stopping everything it started…\n`);
    void stopAll().finally(() => process.exit(code));
    // a second Ctrl-C means now
    process.once(signal, () => {
      killAllNow();
      process.exit(code);
    });
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('SIGHUP', () => onSignal('SIGHUP', 129));
  process.on('exit', killAllNow);
}
