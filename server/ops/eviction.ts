import { withDeadline } from '../../adapters/errors.ts';
import type { Store, StoreNodeMemory } from '../../adapters/types.ts';

/**
 * Clients and accounts have no TTL, and grants, tokens and lockouts must live out theirs: a
 * Redis that evicts at its memory limit loses them silently. Only `noeviction` is safe, which
 * makes a full Redis refuse writes (503s) instead (README "Operations").
 */
export const SAFE_POLICY = 'noeviction';
const CHECK_TIMEOUT_MS = 1500;

export interface EvictionCheck {
  /** undefined when the store did not answer: nothing is known */
  readonly safe: boolean | undefined;
  readonly nodes: readonly StoreNodeMemory[];
  /** one line per unsafe node, naming the setting and the fix */
  readonly problems: readonly string[];
}

function problem(node: StoreNodeMemory): string {
  return (
    `Redis ${node.node} has maxmemory-policy ${node.policy}: at its memory limit it evicts keys (client registrations, ` +
    `customer accounts, grants, lockouts). Set maxmemory-policy to ${SAFE_POLICY} (redis.conf or CONFIG SET; ` +
    `Heroku Key-Value Store: heroku redis:maxmemory --policy ${SAFE_POLICY}; see README "Operations")`
  );
}

export async function checkEviction(store: Store): Promise<EvictionCheck> {
  try {
    const nodes = await withDeadline(store.memory(), CHECK_TIMEOUT_MS, () => new Error('the store did not answer in time'));
    const unsafe = nodes.filter((n) => n.policy !== SAFE_POLICY);
    return { safe: unsafe.length === 0, nodes, problems: unsafe.map(problem) };
  } catch {
    return { safe: undefined, nodes: [], problems: [] };
  }
}
