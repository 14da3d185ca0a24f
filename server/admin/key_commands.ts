import pino from 'pino';

import type { Jwk } from '../../config/index.ts';
import { createAudit } from '../ops/audit.ts';
import { createLogger } from '../ops/logger.ts';
import { generateSigningJwks, newSigningKey, signingKeyOrder } from '../signing_keys.ts';
import type { Command, CommandContext } from './commands.ts';

type JwkSet = { keys: Jwk[] };

/** The key set to change: from stdin when piped, else the JWKS variable. */
async function currentJwks(ctx: CommandContext): Promise<JwkSet> {
  const input = (await ctx.readStdin()).trim() || process.env.JWKS || '';
  if (!input) throw new Error('no key set: pipe one in (for example `heroku config:get JWKS | …`) or set JWKS');
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    throw new Error('the key set is not valid JSON');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null && typeof (k as Jwk).kty === 'string')) {
    throw new Error('the key set must be a JWK Set: {"keys": [...]}');
  }
  return { keys: keys as Jwk[] };
}

function kidArgument(ctx: CommandContext): string {
  const [kid, ...extra] = ctx.positionals;
  if (!kid || extra.length) throw new Error('expected exactly one KID');
  return kid;
}

function findKey(jwks: JwkSet, kid: string): Jwk {
  const key = jwks.keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`no key with kid ${kid} in the key set`);
  return key;
}

/** Key changes are security events; their audit line goes to stderr, stdout carries the new set. */
function auditKeys(step: string, kid: string | undefined): void {
  createAudit(createLogger('info', pino.destination({ dest: 2, sync: true })))('keys.rotated', { step, kid });
}

const readsKeySet = 'Reads the current private key set from stdin, or from JWKS when nothing is piped; prints the new set.';

export const keyCommands: Record<string, Command> = {
  'keys generate': {
    summary: 'print a new private JWK Set (RSA and EC P-256 signing keys) for the JWKS variable',
    usage: '',
    async run() {
      return generateSigningJwks();
    },
  },
  'keys list': {
    summary: 'list the keys of a set (never their private parts): kid, type, and which one signs',
    usage: '',
    details: readsKeySet,
    async run(ctx) {
      const jwks = await currentJwks(ctx);
      return signingKeyOrder(jwks.keys).map(({ key, signing }) => ({
        kid: key.kid,
        kty: key.kty,
        crv: key.crv,
        status: signing ? 'signing' : 'published',
      }));
    },
  },
  'keys add': {
    summary: 'step 1 of a rotation: add a new key, published at /jwks but not yet signing',
    usage: '[--kty RSA|EC]',
    details: `${readsKeySet}\nThe new key goes last, so the current key of its type keeps signing. Deploy the set, then wait until relying parties have fetched /jwks again (their cache time, for example 24 hours).`,
    options: { kty: { type: 'string' } },
    async run(ctx) {
      const kty = (ctx.values.kty as string | undefined) ?? 'RSA';
      if (kty !== 'RSA' && kty !== 'EC') throw new Error('--kty must be RSA or EC');
      const jwks = await currentJwks(ctx);
      const key = newSigningKey(kty === 'RSA' ? 'rsa' : 'ec');
      auditKeys('add', key.kid);
      return { keys: [...jwks.keys, key] };
    },
  },
  'keys promote': {
    summary: 'step 2 of a rotation: make a published key the one that signs for its type',
    usage: 'KID',
    details: `${readsKeySet}\nThe previous key stays published, so tokens it signed still verify. Deploy the set.`,
    async run(ctx) {
      const kid = kidArgument(ctx);
      const jwks = await currentJwks(ctx);
      const key = findKey(jwks, kid);
      auditKeys('promote', kid);
      return { keys: [key, ...jwks.keys.filter((k) => k !== key)] };
    },
  },
  'keys retire': {
    summary: 'step 3 of a rotation: remove a key that no longer signs',
    usage: 'KID',
    details: `${readsKeySet}\nWait first for the longest lifetime of anything it signed (ID tokens, JWT access tokens, request objects), then deploy the set.`,
    async run(ctx) {
      const kid = kidArgument(ctx);
      const jwks = await currentJwks(ctx);
      const key = findKey(jwks, kid);
      const signing = signingKeyOrder(jwks.keys).find((k) => k.key === key)?.signing;
      if (signing) throw new Error(`key ${kid} still signs: promote another ${key.kty} key first`);
      auditKeys('retire', kid);
      return { keys: jwks.keys.filter((k) => k !== key) };
    },
  },
};
