import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import type { AccountServices } from '../accounts/services.ts';
import { SCA_ACR, SCA_AMR } from '../accounts/sca.ts';
import type { Audit } from '../ops/audit.ts';
import type { Limits } from '../ops/limits.ts';
import { tooManyRequests } from './errors.ts';
import type { ResourceIndicators } from '../policy/enforcement.ts';
import { isOidcScope } from '../policy/scopes.ts';

const PARAMS = ['username', 'password', 'otp', 'scope'] as const;
// one answer for unknown user, locked account, wrong password and wrong code, as on the login page
const REFUSED = 'the username, password or one-time code is not correct, or the account is locked';

interface PasswordParams {
  username?: string;
  password?: string;
  otp?: string;
  scope?: string;
}

function legacyFlag(client: object): boolean {
  return (client as { legacy_grants?: unknown }).legacy_grants === true;
}

/**
 * The resource owner password credentials grant (RFC 6749 §4.3), for clients registered with
 * the legacy flag only, never for high APIs, and still with both factors: the customer's
 * one-time code comes in `otp`, and failures count towards the same lock as the login page.
 */
export function registerPasswordGrant(
  provider: Provider,
  deps: { accounts: AccountServices; audit: Audit; limits: Limits },
  resourceIndicators: ResourceIndicators,
): void {
  const {
    accounts: { authenticator },
    limits,
  } = deps;

  async function passwordGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const client = ctx.oidc.client!;
    if (!legacyFlag(client)) throw new errors.UnauthorizedClient('the password grant is a legacy grant, off for this client');
    const params = ctx.oidc.params as PasswordParams;
    for (const name of ['username', 'password', 'otp'] as const) {
      if (!params[name]) throw new errors.InvalidRequest(`missing required parameter '${name}'`);
    }
    const scopes = (params.scope ?? '').split(' ').filter(Boolean);
    if (scopes.includes('openid'))
      throw new errors.InvalidScope('the password grant issues no ID token: request openid with the authorization code grant', 'openid');

    // which API, and whether its level allows this grant, exactly as for the other grants
    const resource = (await resourceIndicators.defaultResource(ctx, client)) as string | undefined;
    if (!resource) throw new errors.InvalidScope('scope must name the scopes of one API', params.scope ?? '');
    const info = await resourceIndicators.getResourceServerInfo(ctx, resource, client);

    // the address's attempt is reserved before either factor is checked (README "Lockout")
    const { attempt, retryAfter } = await limits.login(ctx.ip);
    if (!attempt) throw tooManyRequests(ctx, retryAfter, 'failed logins from this address');
    const bothFactors = async (): Promise<string | undefined> => {
      const password = await authenticator.checkPassword(params.username!, params.password!, ctx.ip);
      if (!password.ok) return undefined;
      return (await authenticator.checkCode(password.sub, params.otp!, ctx.ip)) === 'ok' ? password.sub : undefined;
    };
    const accountId = await bothFactors().catch(async (err: unknown) => {
      await attempt.release(); // the store failed (a 503): nothing was decided
      throw err;
    });
    if (!accountId) {
      await attempt.keep();
      throw new errors.InvalidGrant(REFUSED);
    }
    await attempt.release();

    const apiScopes = scopes.filter((s) => !isOidcScope(s)).join(' ');
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addResourceScope(resource, apiScopes);
    const grantId = await grant.save();

    const at = new provider.AccessToken({ accountId, client, grantId, gty: 'password', scope: apiScopes });
    at.resourceServer = new provider.ResourceServer(resource, info);
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();

    let refreshToken: string | undefined;
    if (client.grantTypeAllowed('refresh_token')) {
      const rt = new provider.RefreshToken({
        accountId,
        client,
        grantId,
        gty: 'password',
        scope: apiScopes,
        resource,
        acr: SCA_ACR,
        amr: [...SCA_AMR],
      });
      ctx.oidc.entity('RefreshToken', rt);
      refreshToken = await rt.save();
    }
    deps.audit('login.succeeded', { sub: accountId, client_id: client.clientId, via: 'password_grant' });

    ctx.body = {
      access_token: accessToken,
      expires_in: at.expiration,
      token_type: at.tokenType,
      scope: at.scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  }

  provider.registerGrantType('password', passwordGrant, PARAMS);
}
