import { randomBytes } from 'node:crypto';

import type { AccountManager } from './accounts.ts';

export interface SandboxCustomer {
  username: string;
  password: string;
  totpSecret: string;
  totpUri: string;
}

export const SANDBOX_USERNAME = 'demo.customer';

/** Seeds the sandbox's demo customer, with a fresh password and authenticator secret at every start. */
export async function seedSandboxCustomer(accounts: AccountManager): Promise<SandboxCustomer> {
  const password = randomBytes(12).toString('base64url');
  const enrolment = await accounts.create({ username: SANDBOX_USERNAME, password });
  return {
    username: enrolment.username,
    password,
    totpSecret: new URL(enrolment.totp_uri).searchParams.get('secret') ?? '',
    totpUri: enrolment.totp_uri,
  };
}
