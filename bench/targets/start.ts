import type { Jwk } from '../../config/index.ts';
import { NotAvailable } from '../scenarios/types.ts';
import { startBaseline } from './baseline.ts';
import type { Target } from './types.ts';
import { startValtuus, type ValtuusOptions } from './valtuus.ts';

/** A server that could not be started: every scenario on it reports why, and the rest of the run goes on. */
export function unavailableTarget(id: Target['id'], label: string, reason: string): Target {
  const refuse = async (): Promise<never> => {
    throw new NotAvailable(reason);
  };
  return {
    id,
    label,
    url: '',
    pid: undefined,
    clientCredentialsClient: refuse,
    codeFlowSetup: refuse,
    cloneRefreshTokens: refuse,
    close: async () => {},
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function startValtuusOrExplain(options: ValtuusOptions): Promise<Target> {
  try {
    return (await startValtuus(options)).target;
  } catch (err) {
    return unavailableTarget(options.id ?? 'valtuus', options.label ?? 'Valtuus', `Valtuus did not start: ${message(err)}`);
  }
}

export async function startBaselineOrExplain(options: { jwks: { keys: Jwk[] }; entry?: string }): Promise<Target> {
  try {
    return (await startBaseline(options)).target;
  } catch (err) {
    return unavailableTarget('baseline', 'oidc-provider', `the baseline did not start: ${message(err)}`);
  }
}
