import { expect } from 'chai';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import { loadConfig } from '../../config/index.ts';
import { configProblems as problemsOf, PRODUCTION_ENV as PRODUCTION } from '../support/config.ts';
import { testJwks } from '../support/server.ts';

describe('config: production keeps every brute-force control on (PSD2 RTS Art. 4(3)(b))', () => {
  it('refuses RATE_LIMIT_*=0 in production, naming each variable', () => {
    const names = [
      'RATE_LIMIT_CLIENT_AUTH_FAILURES',
      'RATE_LIMIT_ADDRESS_AUTH_FAILURES',
      'RATE_LIMIT_ADDRESS_LOGIN_FAILURES',
      'RATE_LIMIT_TOKEN_REQUESTS',
      'RATE_LIMIT_ADDRESS_INTERACTIONS',
    ];
    const problems = problemsOf({ ...PRODUCTION, ...Object.fromEntries(names.map((n) => [n, '0'])) });
    expect(problems).to.have.length(names.length);
    for (const name of names) expect(problems.join('\n')).to.contain(name);
  });

  it('refuses a lockout weaker than five attempts, or one of seconds, in production', () => {
    const problems = problemsOf({ ...PRODUCTION, LOCKOUT_MAX_FAILURES: '6', LOCKOUT_SECONDS: '10' }).join('\n');
    expect(problems).to.contain('LOCKOUT_MAX_FAILURES').and.contain('LOCKOUT_SECONDS');
  });

  it('accepts the defaults in production, and switched-off limits outside it', () => {
    expect(problemsOf(PRODUCTION)).to.deep.equal([]);
    expect(problemsOf({ RATE_LIMIT_TOKEN_REQUESTS: '0', LOCKOUT_MAX_FAILURES: '100' })).to.deep.equal([]);
  });
});

describe('config: TRUST_PROXY (README "Deployment")', () => {
  it('reads all, a list of addresses and CIDR ranges, or nothing', () => {
    const read = (value?: string) =>
      loadConfig({ ...(value === undefined ? {} : { TRUST_PROXY: value }) }, { generateJwks: testJwks }).trustProxy;
    expect(read()).to.deep.equal([]);
    expect(read('all')).to.equal('all');
    expect(read('127.0.0.1/8, 10.0.0.0/8,::1,fd00::/8')).to.deep.equal(['127.0.0.1/8', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it('names TRUST_PROXY and each bad entry', () => {
    const problems = problemsOf({ TRUST_PROXY: '10.0.0.0/33,proxy.example,1.2.3.4' }).join('\n');
    expect(problems).to.contain('TRUST_PROXY').and.contain('10.0.0.0/33').and.contain('proxy.example');
    expect(problems).not.to.contain('1.2.3.4');
  });
});

describe('config: API registry patterns are validated exactly as they are compiled (Unicode mode)', () => {
  const withPattern = (pattern: string) =>
    sampleApis.map((api) =>
      api.id === 'public-data' ? { ...api, extraAttributes: [{ name: 'purpose', where: 'token', pattern, description: 'why' }] } : api,
    );

  it('refuses patterns that only non-Unicode mode accepts (which would fail every request)', () => {
    for (const pattern of ['^[\\w-.]+$', '^a\\-b$', '^\\p$']) {
      expect(() => parseApiRegistry(withPattern(pattern)), pattern).to.throw(/Unicode mode/);
    }
  });

  it('accepts a pattern valid in Unicode mode', () => {
    expect(() => parseApiRegistry(withPattern('^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'))).not.to.throw();
  });
});
