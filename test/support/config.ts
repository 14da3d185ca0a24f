import { expect } from 'chai';

import { ConfigError, loadConfig } from '../../config/index.ts';
import { testJwks } from './server.ts';

/** The least a production environment needs besides JWKS, for tests of what production refuses. */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  ISSUER: 'https://auth.bank.example',
  REDIS_URL: 'rediss://redis.example:6380',
  COOKIE_KEYS: 'a-production-cookie-key-of-enough-length-0123',
};

/** The problems loadConfig names for `env` (with the test key set as JWKS); none when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...env, JWKS: JSON.stringify(testJwks()) });
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  return [];
}
