import type { LoadSettings } from '../lib/wrk.ts';
import type { Target } from '../targets/types.ts';

/** What one timed run of one scenario on one server gave. */
export interface Measurement {
  /** successful requests (or completed flows) per second */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  /** anything a reader of the table must know about this run */
  notes: string[];
  /** the share of the machine (0..1) other processes used during the run; set by ctx.measure */
  othersCpu?: number;
  /** CPU time per request (or flow), ms: the server's processes, its Redis, and the load generator; set by ctx.measure */
  cpuMs?: { server: number; redis: number; load: number };
  /** Redis commands the server sent during the run, by command; set by ctx.measure for Valtuus */
  redisCalls?: Record<string, number>;
}

export interface ScenarioContext {
  load: LoadSettings;
  /** simultaneous scripted customers in the code flow */
  flowConcurrency: number;
  /** where scratch files go (token pools for wrk) */
  tmpDir: string;
  log(message: string): void;
  /** Wraps the timed part of a run (not its preparation) so the runner can observe the machine meanwhile. */
  measure(target: Target, run: () => Promise<Measurement>): Promise<Measurement>;
}

/** A scenario made ready on one server: it can be run again and again. */
export interface PreparedScenario {
  run(seconds: number): Promise<Measurement>;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** what the rate counts */
  readonly unit: 'req/s' | 'flows/s';
  /** Throws NotAvailable when the server cannot do this yet. */
  prepare(target: Target, ctx: ScenarioContext): Promise<PreparedScenario>;
}

/** The server does not support what the scenario needs (yet); the message says what is missing. */
export class NotAvailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotAvailable';
  }
}
