import { execFile } from 'node:child_process';

import { expect } from 'chai';
import { decodeProtectedHeader, createLocalJWKSet, jwtVerify } from 'jose';

import { parseApiRegistry, sampleApis } from '../../config/apis.ts';
import type { Jwk } from '../../config/index.ts';
import { createMemoryStore } from '../../adapters/memory.ts';
import { basic, json, postForm, registerClient, startTestServer } from '../support/server.ts';

type JwkSet = { keys: Jwk[] };

/** Runs an admin `keys` command with a key set on stdin, as an operator would pipe it. */
function keys(args: string[], input: JwkSet): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['server/admin/cli.ts', 'keys', ...args],
      { env: { ...process.env, JWKS: '' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(JSON.stringify(input));
  });
}

// JWT access tokens make the signing key visible without a login
const apis = parseApiRegistry(sampleApis.map((api) => (api.id === 'public-data' ? { ...api, tokenFormat: 'jwt' } : api)));

/** Starts a server on a key set, gets a JWT access token and the published keys, and stops. */
async function issueWith(jwks: JwkSet): Promise<{ token: string; kid: string; published: string[]; jwksDoc: { keys: Jwk[] } }> {
  const srv = await startTestServer(createMemoryStore(), { JWKS: JSON.stringify(jwks) }, { apis });
  try {
    const tpp = await registerClient(srv);
    const body = await json(
      await postForm(`${srv.url}/token`, { grant_type: 'client_credentials' }, { authorization: basic(tpp.client_id, tpp.client_secret) }),
    );
    const jwksDoc = (await json(await fetch(`${srv.url}/jwks`))) as { keys: Jwk[] };
    return {
      token: body.access_token,
      kid: decodeProtectedHeader(body.access_token).kid!,
      published: jwksDoc.keys.map((k) => k.kid!),
      jwksDoc,
    };
  } finally {
    await srv.close();
  }
}

describe('operations: signing key rotation without downtime (RFC 7517 §4.5 kid, README "Signing key rotation without downtime")', function () {
  this.timeout(60_000); // seven CLI processes and four server starts, on a shared machine
  it('publishes a new key before it signs, signs with it after promotion, and retires the old one', async () => {
    const generated = await keys(['generate'], { keys: [] });
    const v1 = JSON.parse(generated.stdout) as JwkSet;
    const oldRsa = v1.keys[0]!.kid!;

    const added = await keys(['add'], v1);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stderr).to.contain('"event":"keys.rotated"');
    const v2 = JSON.parse(added.stdout) as JwkSet;
    const newRsa = v2.keys[2]!.kid!;
    const listed = JSON.parse((await keys(['list'], v2)).stdout);
    expect(listed.map((k: { status: string }) => k.status)).to.deep.equal(['signing', 'signing', 'published']);
    expect(JSON.stringify(listed)).not.to.contain('"d"');

    const before = await issueWith(v2);
    expect(before.published).to.include.members([oldRsa, newRsa]);
    expect(before.kid).to.equal(oldRsa);
    expect(before.jwksDoc.keys.every((k) => k.d === undefined)).to.equal(true);

    const v3 = JSON.parse((await keys(['promote', newRsa], v2)).stdout) as JwkSet;
    const after = await issueWith(v3);
    expect(after.kid).to.equal(newRsa);
    expect(after.published).to.include(oldRsa);
    // a token signed before the promotion still verifies against what is published after it
    await jwtVerify(before.token, createLocalJWKSet(after.jwksDoc));

    const refused = await keys(['retire', newRsa], v3);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.contain('still signs');

    const v4 = JSON.parse((await keys(['retire', oldRsa], v3)).stdout) as JwkSet;
    const retired = await issueWith(v4);
    expect(retired.published).not.to.include(oldRsa);
    expect(retired.kid).to.equal(newRsa);
  });
});
