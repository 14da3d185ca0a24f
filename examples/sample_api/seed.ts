import type { ClientManager } from '../../server/clients/manage.ts';

export interface SampleApiCredentials {
  clientId: string;
  clientSecret: string;
}

/** The sample API serves routes of all three sample APIs, so its one client may introspect for each. */
export const SAMPLE_API_IDS = ['public-data', 'accounts', 'payments'] as const;

/** Registers the sample API's introspection client: no grants, only `resource_server_api`. */
export async function seedSampleApiClient(clients: ClientManager, clientId = 'sample-api'): Promise<SampleApiCredentials> {
  const created = await clients.create({
    clientId,
    name: 'Sample Service API',
    grantTypes: [],
    authMethod: 'client_secret_basic',
    extra: { resource_server_api: [...SAMPLE_API_IDS] },
  });
  return { clientId: String(created.client_id), clientSecret: String(created.client_secret) };
}

/** The sandbox banner's lines for the sample API: its credentials and how to start and call it. */
/** `tokenCommand` prints a token response; the banner then sets ACCESS_TOKEN from it, so the last curl runs as printed. */
export function sampleApiBannerLines(issuer: string, creds: SampleApiCredentials, tokenCommand?: string): string[] {
  const setToken = tokenCommand
    ? [`    ACCESS_TOKEN=$(${tokenCommand} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`]
    : [];
  return [
    `  sample API:    client_id=${creds.clientId} (the Service API's introspection client)`,
    `                 client_secret=${creds.clientSecret}`,
    '  start it in another terminal, then call it with an access token:',
    `    ISSUER=${issuer} API_CLIENT_ID=${creds.clientId} API_CLIENT_SECRET=${creds.clientSecret} npm run start:api`,
    ...setToken,
    `    curl -s -H "Authorization: Bearer $ACCESS_TOKEN" http://localhost:4000/public/rates`,
  ];
}
