import { expect } from 'chai';

import { codeFlow, FlowError, type FlowClient } from '../../bench/lib/code_flow.ts';
import type { FormKind } from '../../bench/lib/forms.ts';
import { stopAll } from '../../bench/lib/processes.ts';
import { startBaseline } from '../../bench/targets/baseline.ts';
import { REDIRECT_URI, registerWebClient } from '../support/code_grant.ts';
import { createCustomer, type TestCustomer } from '../support/flow.ts';
import { testJwks, testTotpClock, useServerOnRedis } from '../support/server.ts';

async function refusal(flow: Promise<unknown>): Promise<FlowError> {
  const err = await flow.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(FlowError);
  return err as FlowError;
}

/** The benchmark's scripted customer (bench/README.md "Scenarios"): it must log in for real and fail loudly. */
describe('bench: the scripted code-flow client', () => {
  describe('against Valtuus', () => {
    const fx = useServerOnRedis();
    let client: FlowClient;
    let customer: TestCustomer;

    before(async () => {
      const tpp = await registerWebClient(fx.srv);
      client = { clientId: tpp.client_id, secret: tpp.client_secret, redirectUri: REDIRECT_URI, scope: 'openid accounts:read' };
    });
    beforeEach(async () => {
      customer = await createCustomer({ ...fx.srv.deps, clock: testTotpClock });
    });

    it('logs in with the password and a one-time code, consents, and redeems the code with PKCE', async () => {
      const steps: FormKind[] = [];
      const tokens = await codeFlow(fx.srv.url, client, customer, () => customer.nextCode(), steps);
      expect(tokens.access_token).to.be.a('string');
      expect(tokens.token_type).to.equal('Bearer');
      expect(steps).to.deep.equal(['login', 'one-time-code', 'consent']);
    });

    it('fails when the password is wrong', async () => {
      const err = await refusal(codeFlow(fx.srv.url, client, { ...customer, password: 'not the password' }, () => customer.nextCode()));
      expect(err.message).to.match(/^login refused/);
    });

    it('fails when the one-time code is wrong', async () => {
      const err = await refusal(codeFlow(fx.srv.url, client, customer, () => '000000'));
      expect(err.message).to.match(/^one-time-code refused/);
    });

    it('fails when the token endpoint refuses the code (a wrong client secret)', async () => {
      const err = await refusal(codeFlow(fx.srv.url, { ...client, secret: 'wrong' }, customer, () => customer.nextCode()));
      expect(err.message).to.match(/^code exchange refused: 401 invalid_client/);
    });
  });

  describe('against the baseline (bench/baseline/server.ts, devInteractions)', () => {
    after(stopAll);

    it('completes the same flow through its development pages', async () => {
      const { target } = await startBaseline({ jwks: { keys: [...testJwks().keys] } });
      const setup = await target.codeFlowSetup();
      const customer = setup.customers.take()!;
      const steps: FormKind[] = [];
      const tokens = await codeFlow(target.url, setup, customer, () => setup.customers.code(customer), steps);
      expect(tokens.access_token).to.be.a('string');
      expect(steps).to.deep.equal(['login', 'consent']);
    });
  });
});
