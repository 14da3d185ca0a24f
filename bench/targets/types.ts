import type { CustomerPool } from '../lib/customers.ts';

export interface ClientCredentialsClient {
  clientId: string;
  secret: string;
  /** the scope to ask for: one API's, so the token is for one resource */
  scope: string;
}

/** What the scripted authorization-code client needs: a registered TPP and customers to log in. */
export interface CodeFlowSetup {
  clientId: string;
  secret: string;
  redirectUri: string;
  scope: string;
  customers: CustomerPool;
}

/**
 * One server under test. Each method resolves once and is cached; it throws NotAvailable
 * (bench/scenarios/types.ts) when the server cannot provide that yet.
 */
export interface Target {
  readonly id: 'valtuus' | 'valtuus1' | 'baseline';
  /** the private redis-server of this target's store, when it has one */
  readonly redisPid?: number | undefined;
  readonly label: string;
  readonly url: string;
  /** the server's main process; its descendants (cluster workers) are found from it */
  readonly pid: number | undefined;
  clientCredentialsClient(): Promise<ClientCredentialsClient>;
  codeFlowSetup(): Promise<CodeFlowSetup>;
  /** Copies of a real refresh token (each on its own copy of its grant), stored the way the server stores them. */
  cloneRefreshTokens(seed: string, count: number): Promise<string[]>;
  /** Fills the server's store with live tokens and registered clients, as a large deployment's (Valtuus only). */
  preload?(tokens: number, clients: number): Promise<number>;
  /** Closes the harness' own connections to the server's store (processes are stopped elsewhere). */
  close(): Promise<void>;
}

/** Caches an async result, failures included, so a missing feature is diagnosed once. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}
