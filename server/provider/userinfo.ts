import Provider from 'oidc-provider';
import type { AccessToken, ClientCredentials } from 'oidc-provider';

import { servesUserinfo } from '../policy/api_tokens.ts';
import type { ApiRegistry } from '../policy/registry.ts';
import type { FindJwtAccessToken } from './jwt_access_tokens.ts';

/**
 * OIDC Core §5.3: the access token of an OpenID login is the one to call userinfo with.
 * oidc-provider's userinfo refuses every token that has an audience (its resource-indicator
 * model keeps API tokens and userinfo tokens apart) and cannot find JWT access tokens at all.
 * Valtuus' API tokens that carry `openid` serve both (docs/userinfo_and_api_tokens.md): the
 * access token look-up finds recorded JWTs too, and at the userinfo endpoint it shows such a
 * token without its audience. Every other check of oidc-provider's userinfo (expiry, DPoP or
 * certificate binding, the grant, the account, the claims) still runs on the token.
 */
export function acceptApiTokensAtUserinfo(provider: Provider, registry: ApiRegistry, findJwt: FindJwtAccessToken): void {
  const { AccessToken: model } = provider;
  type Find = (value: string, options?: { ignoreExpiration?: boolean }) => Promise<AccessToken | undefined>;
  const original = model.find;
  const findStored: Find = async (value, options) => (await original.call(model, value, options)) as AccessToken | undefined;
  const findAccessToken: Find = async (value, options) => {
    const found: AccessToken | ClientCredentials | undefined = (await findStored(value, options)) ?? (await findJwt(value))?.token;
    const token = found?.kind === 'AccessToken' ? found : undefined;
    if (token && Provider.ctx?.oidc?.route === 'userinfo' && servesUserinfo(registry, token.aud, token.scopes)) {
      Object.assign(token, { aud: undefined }); // this request's copy only: userinfo never saves it
    }
    return token;
  };
  model.find = findAccessToken as typeof model.find;
}
