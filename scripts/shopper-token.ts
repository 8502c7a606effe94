import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signShopperToken } from '../api/shopper-token.ts';
import type { Shopper } from '../workflows/checkout-types.ts';

// `npm run -s shopper-token -- user:42` (or `session:<id>`): prints a shopper token the
// running `npm start` stack accepts, signed with its secret (from `<ROSE_DATA_DIR>/
// stack-secrets.json`), or with SHOPPER_TOKEN_SECRET when that is set, as for any other API.
const usage =
  'usage: npm run -s shopper-token -- user:<id> | session:<id> [--ttl <seconds, default 86400>]';
const fail = (message: string): never => {
  console.error(`${message}\n${usage}`);
  process.exit(2);
};

const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { ttl: { type: 'string' } } });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const match = positionals.length === 1 ? /^(user|session):(.{1,200})$/.exec(positionals[0]!) : null;
if (!match) fail('name one shopper');
const ttl = Number(values.ttl ?? 86_400);
if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl is a whole number of seconds');
const shopper: Shopper = match![1] === 'user' ? { userId: match![2]! } : { sessionId: match![2]! };

function stackSecret(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const file = join(
    resolve(process.env.ROSE_DATA_DIR ?? join(root, '.data')),
    'stack-secrets.json',
  );
  if (!existsSync(file)) {
    return fail(`no ${file}: start the stack with npm start first, or set SHOPPER_TOKEN_SECRET`);
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { shopperTokenSecret: string })
    .shopperTokenSecret;
}

console.log(
  await signShopperToken(process.env.SHOPPER_TOKEN_SECRET || stackSecret(), shopper, {
    ttlSeconds: ttl,
    ...(process.env.SHOPPER_TOKEN_AUDIENCE ? { audience: process.env.SHOPPER_TOKEN_AUDIENCE } : {}),
  }),
);
