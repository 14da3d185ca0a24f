import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { expect } from 'chai';

const exec = promisify(execFile);

// records every module the CLI process loads (Node's synchronous module hooks) and prints them on exit
const RECORD_LOADS = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ load(url, context, nextLoad) { seen.push(url); return nextLoad(url, context); } });
process.on('exit', () => process.stderr.write(JSON.stringify(seen)));
`)}`;

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const { stderr } = await exec(process.execPath, ['--import', RECORD_LOADS, 'server/admin/cli.ts', ...args], {
    env: { ...process.env, NODE_ENV: 'test' },
  });
  return JSON.parse(stderr) as string[];
}

describe('admin CLI: a command loads only what it needs', () => {
  for (const args of [['--help'], ['client', 'create', '--help']]) {
    it(`\`${args.join(' ')}\` starts no app: neither oidc-provider, Koa, ioredis nor server/app.ts is loaded`, async () => {
      const loaded = await modulesLoadedBy(args);
      expect(
        loaded.some((url) => url.endsWith('/server/admin/cli.ts')),
        'positive control',
      ).to.equal(true);
      const heavy = loaded.filter((url) => /\/node_modules\/(oidc-provider|koa|ioredis)\/|\/server\/app\.ts$/.test(url));
      expect(heavy).to.deep.equal([]);
    });
  }
});
