import { expect } from 'chai';
import * as client from 'openid-client';

import { REDIRECT_URI } from '../support/code_grant.ts';
import { Flow, type TestCustomer } from '../support/flow.ts';
import type { RegisteredClient, TestServer } from '../support/server.ts';

const rawTokenResponses = new WeakMap<client.Configuration, Record<string, unknown>>();

/** openid-client against the server's discovery document, as a TPP configures it by default. */
export async function discoveredClient(srv: TestServer, registered: RegisteredClient): Promise<client.Configuration> {
  const config = await client.discovery(
    new URL(srv.url),
    registered.client_id,
    undefined,
    client.ClientSecretBasic(registered.client_secret),
    {
      execute: [client.allowInsecureRequests],
    },
  );
  config[client.customFetch] = async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    if (new URL(url).pathname === '/token') rawTokenResponses.set(config, (await res.clone().json()) as Record<string, unknown>);
    return res;
  };
  return config;
}

export interface Login {
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  /** the token endpoint's body as sent, before openid-client normalises it */
  raw: Record<string, unknown>;
}

/**
 * A login as openid-client's authorization code flow makes it (PKCE, state, nonce), with the
 * customer going through the pages without JavaScript (password, one-time code, consent).
 */
export async function openidLogin(
  config: client.Configuration,
  customer: TestCustomer,
  scope: string,
  extra: Record<string, string> = {},
): Promise<Login> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const openid = scope.split(' ').includes('openid');
  const nonce = openid ? client.randomNonce() : undefined;
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(nonce ? { nonce } : {}),
    ...extra,
  });
  const flow = await Flow.open(url);
  await flow.login(customer.username, customer.password);
  await flow.otp(customer.nextCode());
  if (!flow.callback) await flow.consent('allow');
  expect(flow.callback, flow.page?.html).to.be.instanceOf(URL);

  const tokens = await client.authorizationCodeGrant(config, flow.callback!, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    ...(nonce ? { expectedNonce: nonce } : {}),
    idTokenExpected: openid,
  });
  return { tokens, raw: rawTokenResponses.get(config) ?? {} };
}
