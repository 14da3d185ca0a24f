import { expect } from 'chai';

import { sampleApis, type ApiDefinition, type SecurityLevel } from '../../config/apis.ts';
import { checkLevel, type LevelRequest } from '../../server/policy/levels.ts';
import { applyLevelPolicy } from '../../server/policy/registration.ts';
import { ApiRegistry } from '../../server/policy/registry.ts';

const registry = new ApiRegistry(sampleApis);
const apiOf = (level: SecurityLevel): ApiDefinition => sampleApis.find((api) => api.level === level)!;
const scopeOf = (level: SecurityLevel): string => apiOf(level).scopes[0]!.name;

type Outcome = 'ok' | 'unauthorized_client' | 'invalid_request';

// levels × grants at the token endpoint (a DPoP proof sent, private_key_jwt: only the grant decides)
const GRANTS: [string, Record<SecurityLevel, Outcome>][] = [
  ['client_credentials', { low: 'ok', substantial: 'unauthorized_client', high: 'unauthorized_client' }],
  ['authorization_code', { low: 'ok', substantial: 'ok', high: 'ok' }],
  ['refresh_token', { low: 'ok', substantial: 'ok', high: 'ok' }],
  ['password', { low: 'ok', substantial: 'ok', high: 'unauthorized_client' }],
  ['urn:openid:params:grant-type:ciba', { low: 'ok', substantial: 'ok', high: 'unauthorized_client' }],
  [
    'urn:ietf:params:oauth:grant-type:device_code',
    { low: 'unauthorized_client', substantial: 'unauthorized_client', high: 'unauthorized_client' },
  ],
];

// levels × client authentication methods (authorization code at the token endpoint, with DPoP)
const AUTH_METHODS: [string, Record<SecurityLevel, Outcome>][] = [
  ['client_secret_basic', { low: 'ok', substantial: 'ok', high: 'unauthorized_client' }],
  ['client_secret_post', { low: 'ok', substantial: 'ok', high: 'unauthorized_client' }],
  ['private_key_jwt', { low: 'ok', substantial: 'ok', high: 'ok' }],
  ['none', { low: 'unauthorized_client', substantial: 'unauthorized_client', high: 'unauthorized_client' }],
];

// levels × endpoints: what FAPI 2.0 adds for high APIs (private_key_jwt throughout)
const ENDPOINTS: [string, LevelRequest, Record<SecurityLevel, Outcome>][] = [
  [
    'authorization without PAR',
    { endpoint: 'authorization', responseType: 'code' },
    { low: 'ok', substantial: 'ok', high: 'invalid_request' },
  ],
  [
    'authorization through PAR',
    { endpoint: 'authorization', responseType: 'code', pushed: true },
    { low: 'ok', substantial: 'ok', high: 'ok' },
  ],
  ['PAR itself', { endpoint: 'pushed_authorization_request', responseType: 'code' }, { low: 'ok', substantial: 'ok', high: 'ok' }],
  [
    'implicit (id_token token)',
    { endpoint: 'authorization', responseType: 'id_token token', pushed: true },
    { low: 'ok', substantial: 'ok', high: 'unauthorized_client' },
  ],
  ['token without DPoP', { endpoint: 'token', grant: 'authorization_code' }, { low: 'ok', substantial: 'ok', high: 'invalid_request' }],
  ['token with DPoP', { endpoint: 'token', grant: 'authorization_code', dpop: true }, { low: 'ok', substantial: 'ok', high: 'ok' }],
  [
    'CIBA backchannel request',
    { endpoint: 'backchannel_authentication', grant: 'urn:openid:params:grant-type:ciba' },
    { low: 'ok', substantial: 'ok', high: 'unauthorized_client' },
  ],
];

const LEVELS: SecurityLevel[] = ['low', 'substantial', 'high'];
const outcome = (api: ApiDefinition, request: LevelRequest): Outcome => checkLevel(api, request)?.error ?? 'ok';

describe('policy: the API security level table (README "APIs and scopes")', () => {
  describe('grants at the token endpoint', () => {
    for (const [grant, expected] of GRANTS) {
      for (const level of LEVELS) {
        it(`${level}: ${grant} → ${expected[level]}`, () => {
          expect(outcome(apiOf(level), { endpoint: 'token', grant, authMethod: 'private_key_jwt', dpop: true })).to.equal(expected[level]);
        });
      }
    }
  });

  describe('client authentication methods', () => {
    for (const [authMethod, expected] of AUTH_METHODS) {
      for (const level of LEVELS) {
        it(`${level}: ${authMethod} → ${expected[level]}`, () => {
          expect(outcome(apiOf(level), { endpoint: 'token', grant: 'authorization_code', authMethod, dpop: true })).to.equal(
            expected[level],
          );
        });
      }
    }
  });

  describe('endpoints (FAPI 2.0 Security Profile §5.3 for high APIs: PAR and DPoP)', () => {
    for (const [name, request, expected] of ENDPOINTS) {
      for (const level of LEVELS) {
        it(`${level}: ${name} → ${expected[level]}`, () => {
          expect(outcome(apiOf(level), { authMethod: 'private_key_jwt', ...request })).to.equal(expected[level]);
        });
      }
    }
  });

  it('names the API and its level in every refusal', () => {
    const refusal = checkLevel(apiOf('substantial'), { endpoint: 'token', grant: 'client_credentials' });
    expect(refusal?.description).to.contain(apiOf('substantial').name).and.to.contain('level substantial');
  });

  describe('registrations', () => {
    const register = (metadata: Record<string, unknown>, legacy = false) =>
      applyLevelPolicy(registry, { token_endpoint_auth_method: 'client_secret_basic', ...metadata }, legacy);

    it('a high API client needs private_key_jwt and its keys, and gets PAR and DPoP implied', () => {
      const refused = register({ grant_types: ['authorization_code'], scope: scopeOf('high') });
      expect(refused.problems).to.have.length(2);
      const accepted = register({
        grant_types: ['authorization_code', 'refresh_token'],
        scope: scopeOf('high'),
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'https://tpp.example/jwks',
      });
      expect(accepted.problems).to.deep.equal([]);
      expect(accepted.implied).to.deep.equal({ require_pushed_authorization_requests: true, dpop_bound_access_tokens: true });
    });

    it('legacy grants need the legacy flag', () => {
      expect(register({ grant_types: ['password'], scope: scopeOf('low') }).problems).to.have.length(1);
      expect(register({ grant_types: ['password'], scope: scopeOf('low') }, true).problems).to.deep.equal([]);
    });

    it('unknown scopes are refused', () => {
      expect(register({ grant_types: ['client_credentials'], scope: 'no:such' }).problems[0]).to.contain('unknown scope');
    });
  });
});
