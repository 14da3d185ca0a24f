import type { AdapterPayload } from '../../adapters/types.ts';
import { CIBA_GRANT } from '../policy/levels.ts';

/**
 * The delivery metadata a CIBA client needs (CIBA Core §4): poll, or ping to the client's own
 * notification endpoint (an https URL, which oidc-provider checks). Other clients get none.
 */
export function cibaDeliveryMetadata(grantTypes: readonly string[], notificationEndpoint: string | undefined): AdapterPayload {
  if (!grantTypes.includes(CIBA_GRANT)) return {};
  if (!notificationEndpoint) return { backchannel_token_delivery_mode: 'poll' };
  return { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: notificationEndpoint };
}
