import { expect } from 'chai';

import type { Config } from '../../config/index.ts';

import { sampleBranding } from '../../config/branding.ts';
import { translate } from '../../server/pages/i18n/catalogue.ts';
import { accountsParams, registerWebClient } from '../support/code_grant.ts';
import { Agent, createCustomer, Flow, type TestCustomer } from '../support/flow.ts';
import { basic, postForm, registerClient, startTestServer, type RegisteredClient } from '../support/server.ts';
import { openTestRedisStore, type TestRedisStore } from '../support/stores.ts';
import { startValtuusProcess, type ValtuusProcess } from '../support/valtuus_process.ts';

const MAX_FAILURES = 5;
const LOGIN_FAILED = translate('en', 'login.failed', { phone: sampleBranding.supportPhone.replace(/ /g, '\u00a0') });
const BURST = 40;
const WORKERS = 3;

interface AuditLine {
  event?: string;
  sub?: string;
  factor?: string;
  reason?: string;
}

/** The error summary's message, as on the sign-in pages. */
function alertOf(flow: Flow): string | undefined {
  return /<p id="(?:login|otp)-error">([^<]*)<\/p>/.exec(flow.html)?.[1];
}

/**
 * PSD2 RTS Art. 4(3)(b): no more than five failed attempts. A burst of truly concurrent
 * guesses, spread by the kernel over several worker processes of `node server/index.ts`,
 * may get at most five evaluated; the audit log says which were (a `login.failed` without
 * a reason is one evaluated and wrong).
 */
describe('accounts: concurrent guesses across worker processes are evaluated at most LOCKOUT_MAX_FAILURES times (PSD2 RTS Art. 4(3)(b))', function () {
  this.timeout(120_000);
  let store: TestRedisStore;
  let server: ValtuusProcess;
  let web: RegisteredClient;
  let legacy: RegisteredClient;
  let config: Config;

  const evaluatedFailures = (sub: string, factor: 'password' | 'otp') =>
    server.lines
      .map((line) => JSON.parse(line) as AuditLine)
      .filter((l) => l.event === 'login.failed' && l.sub === sub && l.factor === factor && l.reason === undefined).length;
  const fromSource = (address: string) => new Agent({ 'x-forwarded-for': address });
  const start = (agent: Agent) => Flow.start(server.url, accountsParams(web), agent);

  before(async () => {
    store = await openTestRedisStore();
    const seeder = await startTestServer(store, { REDIS_KEY_PREFIX: store.prefix });
    web = await registerWebClient(seeder);
    legacy = await registerClient(seeder, {
      name: 'Old Mobile App',
      grantTypes: ['password'],
      scope: 'accounts:read',
      allowLegacyGrants: true,
    });
    config = seeder.config;
    await seeder.close();
    server = await startValtuusProcess({
      redisKeyPrefix: store.prefix,
      workers: WORKERS,
      env: {
        TRUST_PROXY: '127.0.0.1', // the test plays the clients of a proxy on loopback
        LOCKOUT_MAX_FAILURES: String(MAX_FAILURES),
        LOCKOUT_SECONDS: '600',
        // the per-address budgets are tested on their own (they count attempts in flight too)
        RATE_LIMIT_ADDRESS_LOGIN_FAILURES: '1000',
        RATE_LIMIT_CLIENT_AUTH_FAILURES: '1000',
        RATE_LIMIT_ADDRESS_AUTH_FAILURES: '1000',
      },
    });
  });

  after(async () => {
    await server?.stop();
    await store?.close();
  });

  const customer = (): Promise<TestCustomer> => createCustomer({ config, store });

  it(`of ${BURST} concurrent wrong passwords from one source, ${MAX_FAILURES} are checked; then that source's right password is refused`, async () => {
    const victim = await customer();
    const flows = await Promise.all(Array.from({ length: BURST }, () => start(fromSource('203.0.113.10'))));
    await Promise.all(flows.map((flow, i) => flow.login(victim.username, `wrong-password-${i}`)));
    expect(flows.every((flow) => alertOf(flow) === LOGIN_FAILED)).to.equal(true);
    expect(evaluatedFailures(victim.sub, 'password')).to.equal(MAX_FAILURES);

    const right = await start(fromSource('203.0.113.10'));
    await right.login(victim.username, victim.password);
    expect(alertOf(right)).to.equal(LOGIN_FAILED);
  });

  it(`of ${BURST} concurrent wrong one-time codes after the right password, ${MAX_FAILURES} are checked; then the right code is refused`, async () => {
    const victim = await customer();
    const flows = await Promise.all(Array.from({ length: BURST + 1 }, () => start(fromSource('198.51.100.20'))));
    for (const flow of flows) await flow.login(victim.username, victim.password);
    const [spare, ...burst] = flows;
    await Promise.all(burst.map((flow, i) => flow.otp(String(100_000 + i))));
    expect(evaluatedFailures(victim.sub, 'otp')).to.equal(MAX_FAILURES);

    await spare!.otp(victim.nextCode());
    expect(spare!.page!.status, 'the lock page').to.equal(403);
    expect(spare!.html).not.to.include('autocomplete="one-time-code"');
  });

  it(`of ${BURST} concurrent password grants with a wrong password, ${MAX_FAILURES} are checked; then the right credentials get invalid_grant (RFC 6749 §4.3)`, async () => {
    const victim = await customer();
    const grant = (password: string, otp = '000000') =>
      postForm(
        `${server.url}/token`,
        { grant_type: 'password', username: victim.username, password, otp, scope: 'accounts:read' },
        { authorization: basic(legacy.client_id, legacy.client_secret), 'x-forwarded-for': '192.0.2.30' },
      );
    const wrong = await Promise.all(Array.from({ length: BURST }, (_, i) => grant(`wrong-${i}`)));
    const errors = await Promise.all(wrong.map(async (r) => `${r.status} ${((await r.json()) as { error: string }).error}`));
    expect([...new Set(errors)]).to.deep.equal(['400 invalid_grant']);
    expect(evaluatedFailures(victim.sub, 'password')).to.equal(MAX_FAILURES);
    const right = await grant(victim.password, victim.nextCode());
    expect(right.status).to.equal(400);
    expect(((await right.json()) as { error: string }).error).to.equal('invalid_grant');
  });
});
