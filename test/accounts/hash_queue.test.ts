import { expect } from 'chai';

import { loadConfig } from '../../config/index.ts';
import { HashQueue } from '../../server/accounts/hash_queue.ts';
import { PasswordHasher } from '../../server/accounts/password.ts';

/** A piece of work that runs until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Lets every promise callback already due run (no timer: one turn of the event loop). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('accounts: password hashes take turns, PASSWORD_HASH_CONCURRENCY at a time (README "Password hashing")', () => {
  it('starts at most `limit` at once and the rest in arrival order, each as a place frees', async () => {
    const queue = new HashQueue(2);
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      queue.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await settle();
    expect(started).to.deep.equal([0, 1]);
    expect(queue.waiting).to.equal(2);

    gates[1]!.open();
    expect(await runs[1]).to.equal(1);
    await settle();
    expect(started).to.deep.equal([0, 1, 2]);

    gates[0]!.open();
    gates[2]!.open();
    await Promise.all([runs[0], runs[2]]);
    await settle();
    expect(started).to.deep.equal([0, 1, 2, 3]);
    gates[3]!.open();
    expect(await Promise.all(runs)).to.deep.equal([0, 1, 2, 3]);
    expect(queue.waiting).to.equal(0);
  });

  it('a failed piece of work gives its place to the next', async () => {
    const queue = new HashQueue(1);
    const failed = queue.run(() => Promise.reject(new Error('malformed hash')));
    const next = queue.run(() => Promise.resolve('ran'));
    const reason = await failed.then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    expect(reason).to.equal('malformed hash');
    expect(await next).to.equal('ran');
  });

  it('a hasher allowed one at a time still hashes and verifies logins that arrive together', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_TIME_COST: '1' });
    expect(config.passwordHash.concurrency).to.equal(1);
    const hasher = new PasswordHasher(config.passwordHash);
    const hashes = await Promise.all(['first password 1', 'second password 2', 'third password 3'].map((p) => hasher.hash(p)));
    const checks = await Promise.all([
      hasher.verify(hashes[0]!, 'first password 1'),
      hasher.verify(hashes[1]!, 'not the password'),
      hasher.verify('not a hash', 'third password 3'),
      hasher.verifyAgainstDummy(),
    ]);
    expect(checks).to.deep.equal([true, false, false, false]);
  });
});
