import type { AppDeps } from '../deps.ts';

export interface SandboxCustomer {
  username: string;
  password: string;
  totpSecret: string;
}

/** Seeds the sandbox's demo customer; undefined until customers exist. */
export async function seedSandboxCustomer(_deps: AppDeps): Promise<SandboxCustomer | undefined> {
  return undefined;
}
