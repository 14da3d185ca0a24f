export { authorizationCode } from './authorization_code.ts';
export { clientCredentials } from './client_credentials.ts';
export { introspection } from './introspection.ts';
export { refreshToken } from './refresh_token.ts';
export { NotAvailable } from './types.ts';
export type { Measurement, PreparedScenario, Scenario, ScenarioContext } from './types.ts';
