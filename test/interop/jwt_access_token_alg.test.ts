import { expect } from 'chai';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import type { ApiDefinition, Jwk } from '../../config/index.ts';
import { jwtAccessTokenAlg, jwtAlgProblems } from '../../server/policy/api_tokens.ts';

const RSA: Jwk = { kty: 'RSA', kid: 'r', use: 'sig' };
const EC: Jwk = { kty: 'EC', crv: 'P-256', kid: 'e', use: 'sig' };

function api(level: ApiDefinition['level'], jwtAlg?: ApiDefinition['jwtAlg']): ApiDefinition {
  const base = sampleApis.find((a) => a.level === level)!;
  return { ...base, tokenFormat: 'jwt', ...(jwtAlg ? { jwtAlg } : {}) };
}

describe('the signing algorithm of JWT access tokens (RFC 9068 §2.1, FAPI 2.0 Security Profile §5.4.1)', () => {
  const table: [string, ApiDefinition, Jwk[], string][] = [
    ['a low API with an RSA key: RS256, the baseline', api('low'), [RSA, EC], 'RS256'],
    ['a substantial API with an RSA key: RS256', api('substantial'), [RSA, EC], 'RS256'],
    ['a high API: PS256 (FAPI 2.0 does not allow RS256)', api('high'), [RSA, EC], 'PS256'],
    ["the registry's jwtAlg when set", api('substantial', 'ES256'), [RSA, EC], 'ES256'],
    ["a key set without RSA: the first key's algorithm", api('low'), [EC], 'ES256'],
  ];
  for (const [name, definition, keys, expected] of table) {
    it(name, () => expect(jwtAccessTokenAlg(definition, keys)).to.equal(expected));
  }

  it('the registry refuses RS256 for a high API', () => {
    const apis = sampleApis.map((a) => (a.level === 'high' ? { ...a, tokenFormat: 'jwt', jwtAlg: 'RS256' } : a));
    expect(() => parseApiRegistry(apis)).to.throw(/payments is a high API: FAPI 2.0 Security Profile §5.4.1/);
  });

  it('names an API whose jwtAlg has no key in JWKS', () => {
    expect(jwtAlgProblems([api('low', 'EdDSA')], [RSA, EC])).to.deep.equal([
      'API_REGISTRY: public-data signs JWT access tokens with EdDSA, but JWKS has no key for it',
    ]);
    expect(jwtAlgProblems([api('low', 'ES256')], [RSA, EC])).to.deep.equal([]);
  });
});
