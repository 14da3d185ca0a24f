/** The argon2id cost of a password hash (README "Password hashing"); stored in each hash, so older hashes keep verifying. */
export interface PasswordHashCost {
  /** memory in KiB (argon2's m) */
  readonly memoryKiB: number;
  /** passes over the memory (t) */
  readonly timeCost: number;
  /** lanes (p) */
  readonly parallelism: number;
}

export interface PasswordHashConfig extends PasswordHashCost {
  /** hashes one process computes at once (each holds memoryKiB while it runs); the rest wait their turn */
  readonly concurrency: number;
}

type IntVar = (value: string | undefined, name: string, fallback: number, problems: string[], min?: number, max?: number) => number;

/**
 * OWASP Password Storage Cheat Sheet, argon2id: each row is a minimum of equal strength
 * (memory in KiB, passes), with one lane. A setting meets the floor when it reaches one row.
 */
export const OWASP_ARGON2ID_MINIMUMS: readonly { readonly memoryKiB: number; readonly timeCost: number }[] = Object.freeze([
  { memoryKiB: 47_104, timeCost: 1 }, // 46 MiB
  { memoryKiB: 19_456, timeCost: 2 }, // 19 MiB
  { memoryKiB: 12_288, timeCost: 3 }, // 12 MiB
  { memoryKiB: 9_216, timeCost: 4 }, // 9 MiB
  { memoryKiB: 7_168, timeCost: 5 }, // 7 MiB
]);

export function meetsOwaspMinimum(p: PasswordHashCost): boolean {
  return p.parallelism >= 1 && OWASP_ARGON2ID_MINIMUMS.some((row) => p.memoryKiB >= row.memoryKiB && p.timeCost >= row.timeCost);
}

const MAX_MEMORY_KIB = 4 * 1024 * 1024; // 4 GiB: far past anything one login may cost

/**
 * PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_TIME_COST, PASSWORD_HASH_PARALLELISM (production refuses less than OWASP's
 * minimum) and PASSWORD_HASH_CONCURRENCY.
 */
export function readPasswordHashConfig(
  env: NodeJS.ProcessEnv,
  problems: string[],
  intVar: IntVar,
  production: boolean,
): PasswordHashConfig {
  const before = problems.length;
  const parallelism = intVar(env.PASSWORD_HASH_PARALLELISM, 'PASSWORD_HASH_PARALLELISM', 1, problems, 1, 16);
  const settings: PasswordHashConfig = Object.freeze({
    // OWASP's m=19 MiB, t=2, p=1: about 12 ms a hash on one core of the benchmark machine (README)
    memoryKiB: intVar(env.PASSWORD_HASH_MEMORY_KIB, 'PASSWORD_HASH_MEMORY_KIB', 19_456, problems, 8 * parallelism, MAX_MEMORY_KIB),
    timeCost: intVar(env.PASSWORD_HASH_TIME_COST, 'PASSWORD_HASH_TIME_COST', 2, problems, 1, 100),
    parallelism,
    // one at a time per process: with one worker per CPU (WEB_CONCURRENCY's default) that already keeps every core
    // hashing under a login peak, and each hash more at once only adds its memory to the worker's peak (README)
    concurrency: intVar(env.PASSWORD_HASH_CONCURRENCY, 'PASSWORD_HASH_CONCURRENCY', 1, problems, 1, 64),
  });
  if (production && problems.length === before && !meetsOwaspMinimum(settings)) {
    problems.push(
      'PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_TIME_COST must reach an OWASP argon2id minimum in production ' +
        `(m=47104 t=1, m=19456 t=2, m=12288 t=3, m=9216 t=4 or m=7168 t=5; got m=${settings.memoryKiB} t=${settings.timeCost})`,
    );
  }
  return settings;
}
