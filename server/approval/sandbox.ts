import type { ClientManager } from '../clients/manage.ts';
import { CIBA_GRANT } from '../policy/levels.ts';

export interface SandboxCibaClient {
  clientId: string;
  clientSecret: string;
}

/** A poll-mode CIBA client for the Accounts API: a shop till that asks the customer's phone. */
export async function seedCibaClient(clients: ClientManager): Promise<SandboxCibaClient> {
  const created = await clients.create({
    clientId: 'demo-kiosk',
    name: 'Demo Kiosk',
    grantTypes: [CIBA_GRANT],
    scope: 'openid accounts:read',
    authMethod: 'client_secret_basic',
  });
  return { clientId: String(created.client_id), clientSecret: String(created.client_secret) };
}

/** A ready CIBA request, where to approve it, and the token request that follows. */
export function cibaBannerLines(issuer: string, ciba: SandboxCibaClient, loginHint: string): string[] {
  const auth = `-u '${ciba.clientId}:${ciba.clientSecret}'`;
  return [
    `  decoupled approval (CIBA): client_id=${ciba.clientId}`,
    `                 client_secret=${ciba.clientSecret}`,
    `    curl -s ${auth} -d 'scope=openid accounts:read' -d login_hint=${loginHint} -d binding_message=DEMO-1 ${issuer}/backchannel`,
    `  approve it at ${issuer}/approve (log in as the demo customer), then:`,
    `    curl -s ${auth} -d grant_type=${CIBA_GRANT} -d auth_req_id=AUTH_REQ_ID ${issuer}/token`,
  ];
}
