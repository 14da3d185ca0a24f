import { exportJWK, generateKeyPair, type JWK } from 'jose';

import type { ClientManager } from '../../server/clients/manage.ts';

export interface PaymentsClientCredentials {
  clientId: string;
  /** the client's private signing key: the sandbox made it, and only the sandbox prints it */
  privateJwk: JWK;
  redirectUri: string;
}

export const SANDBOX_PAYMENTS_REDIRECT_URI = 'http://127.0.0.1:8081/callback';
const KID = 'demo-payments-1';

/** A TPP of the high Payments API (private_key_jwt, PAR, DPoP) with a key pair made at every start. */
export async function seedPaymentsClient(clients: ClientManager, clientId = 'demo-payments'): Promise<PaymentsClientCredentials> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  await clients.create({
    clientId,
    name: 'Demo Payments App',
    grantTypes: ['authorization_code'],
    redirectUris: [SANDBOX_PAYMENTS_REDIRECT_URI],
    scope: 'payments:write',
    authMethod: 'private_key_jwt',
    jwks: { keys: [publicJwk] },
  });
  return { clientId, privateJwk: { ...(await exportJWK(privateKey)), kid: KID, alg: 'ES256' }, redirectUri: SANDBOX_PAYMENTS_REDIRECT_URI };
}

/** The sandbox banner's lines for a payment: PAR + private_key_jwt + DPoP, approved in the browser. */
export function paymentBannerLines(issuer: string, creds: PaymentsClientCredentials): string[] {
  return [
    `  payments app:  client_id=${creds.clientId} (private_key_jwt; its key is made at every start)`,
    '  a payment with authorization_details (PAR, DPoP), approved by the demo customer, paid at the sample API:',
    `    ISSUER=${issuer} PAYMENT_CLIENT_ID=${creds.clientId} PAYMENT_REDIRECT_URI=${creds.redirectUri} PAYMENT_CLIENT_KEY='${JSON.stringify(creds.privateJwk)}' npm run --silent payment`,
  ];
}
