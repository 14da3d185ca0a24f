import { expect } from 'chai';

import { loadConfig } from '../../config/index.ts';
import { meetsOwaspMinimum } from '../../config/password_hash.ts';
import { configProblems as problemsOf, PRODUCTION_ENV as PRODUCTION } from '../support/config.ts';
import { testJwks } from '../support/server.ts';

describe('config: PASSWORD_HASH_* (argon2id cost, README "Password hashing", OWASP Password Storage Cheat Sheet)', () => {
  it("defaults to OWASP's m=19 MiB, t=2, p=1, one hash at a time", () => {
    expect(loadConfig({ JWKS: JSON.stringify(testJwks()) }).passwordHash).to.deep.equal({
      memoryKiB: 19_456,
      timeCost: 2,
      parallelism: 1,
      concurrency: 1,
    });
  });

  it('reads the four variables', () => {
    const config = loadConfig({
      ...PRODUCTION,
      JWKS: JSON.stringify(testJwks()),
      PASSWORD_HASH_MEMORY_KIB: '47104',
      PASSWORD_HASH_TIME_COST: '1',
      PASSWORD_HASH_PARALLELISM: '2',
      PASSWORD_HASH_CONCURRENCY: '3',
    });
    expect(config.passwordHash).to.deep.equal({ memoryKiB: 47_104, timeCost: 1, parallelism: 2, concurrency: 3 });
  });

  it('names each malformed or out-of-range variable', () => {
    const problems = problemsOf({
      PASSWORD_HASH_MEMORY_KIB: 'lots',
      PASSWORD_HASH_TIME_COST: '0',
      PASSWORD_HASH_PARALLELISM: '17',
      PASSWORD_HASH_CONCURRENCY: '0',
    }).join('\n');
    expect(problems)
      .to.contain('PASSWORD_HASH_MEMORY_KIB')
      .and.contain('PASSWORD_HASH_TIME_COST')
      .and.contain('PASSWORD_HASH_PARALLELISM')
      .and.contain('PASSWORD_HASH_CONCURRENCY');
  });

  it('refuses in production a cost below every OWASP minimum (m=19 MiB with one pass, m=7 MiB with four)', () => {
    for (const [memory, time] of [
      ['19456', '1'],
      ['7168', '4'],
      ['47103', '1'],
    ] as const) {
      const problems = problemsOf({ ...PRODUCTION, PASSWORD_HASH_MEMORY_KIB: memory, PASSWORD_HASH_TIME_COST: time });
      expect(problems, `m=${memory} t=${time}`).to.have.length(1);
      expect(problems[0]).to.contain('OWASP').and.contain(`m=${memory} t=${time}`);
    }
  });

  it('accepts in production every OWASP row, and anything weaker outside production', () => {
    for (const [memory, time] of [
      ['47104', '1'],
      ['19456', '2'],
      ['12288', '3'],
      ['9216', '4'],
      ['7168', '5'],
      ['65536', '3'],
    ]) {
      expect(
        problemsOf({ ...PRODUCTION, PASSWORD_HASH_MEMORY_KIB: memory!, PASSWORD_HASH_TIME_COST: time! }),
        `m=${memory} t=${time}`,
      ).to.deep.equal([]);
    }
    expect(problemsOf({ PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_TIME_COST: '1' })).to.deep.equal([]);
  });

  it('measures the floor row by row', () => {
    expect(meetsOwaspMinimum({ memoryKiB: 12_288, timeCost: 3, parallelism: 1 })).to.equal(true);
    expect(meetsOwaspMinimum({ memoryKiB: 12_287, timeCost: 3, parallelism: 1 })).to.equal(false);
  });
});
