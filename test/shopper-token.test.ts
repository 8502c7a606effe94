import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  shopperTokenVerifier,
  signShopperToken,
  type ShopperTokenVerifier,
} from '../api/shopper-token.ts';
import { readApiConfig } from '../api/config.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { toolPath } from './harness/tools.ts';

const secret = 'a-secret-the-storefront-shares-with-us-0123456789';
const pythonSigner = fileURLToPath(new URL('./storefront/shopper_token.py', import.meta.url));
const now = () => Math.floor(Date.now() / 1000);
const hs256 = new TextEncoder().encode(secret);

/** A token signed as a storefront would, with claims as given (for the refusals). */
const token = (
  claims: Record<string, unknown>,
  alg = 'HS256',
  key: Parameters<SignJWT['sign']>[0] = hs256,
) => new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
const valid = { sub: 'user:42', aud: 'rose-checkout', iat: now(), exp: now() + 600 };

/** What the Python storefront (PyJWT) signs. */
async function fromPython(sub: string, algorithm: string, key: string): Promise<string> {
  const { stdout } = await promisify(execFile)(toolPath('python-jwt'), [
    pythonSigner,
    sub,
    algorithm,
    key,
  ]);
  return stdout.trim();
}

let ctx: TestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTestContext('shopper-token');
  api = await startApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

describe('shopper tokens (JWT)', () => {
  const verify = shopperTokenVerifier({ keys: { secret } });

  it('names the shopper of a token signed with the shared secret, in Node (jose) or Python (PyJWT)', async () => {
    expect(await verify(await signShopperToken(secret, { userId: '42' }))).toEqual({
      userId: '42',
    });
    expect(await verify(await fromPython('session:abc', 'HS256', secret))).toEqual({
      sessionId: 'abc',
    });
    // And through the API, as the storefront calls it.
    const python = await fromPython('user:py-1', 'HS256', api.secret);
    const cart = await api.call('/v1/cart', { headers: { 'x-shopper-token': python } });
    expect(cart.status).toBe(200);
    await cart.arrayBuffer();
  });

  it("verifies the storefront's own public keys: EdDSA from a JWKS file, RS256 from a JWKS URL", async () => {
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    const rs = await generateKeyPair('RS256', { extractable: true });
    type PublicKey = Awaited<ReturnType<typeof generateKeyPair>>['publicKey'];
    const jwk = async (key: PublicKey, kid: string, alg: string): Promise<JWK> => ({
      ...(await exportJWK(key)),
      kid,
      alg,
    });
    const fromFile = shopperTokenVerifier({
      keys: { jwks: { keys: [await jwk(ed.publicKey, 'ed-1', 'EdDSA')] } },
    });
    const dir = await mkdtemp(join(tmpdir(), 'rose-jwt-'));
    const pem = join(dir, 'storefront.pem');
    await writeFile(pem, await exportPKCS8(ed.privateKey));
    expect(await fromFile(await fromPython('user:ed', 'EdDSA', pem))).toEqual({ userId: 'ed' });

    const jwks = JSON.stringify({ keys: [await jwk(rs.publicKey, 'rs-1', 'RS256')] });
    const server: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const fromUrl = shopperTokenVerifier({
        keys: { jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` },
      });
      const signed = await new SignJWT(valid)
        .setProtectedHeader({ alg: 'RS256', kid: 'rs-1' })
        .sign(rs.privateKey);
      expect(await fromUrl(signed)).toEqual({ userId: '42' });
      // A token signed with the shared secret is not taken where public keys are expected.
      expect(await fromUrl(await signShopperToken(secret, { userId: '42' }))).toBeUndefined();
    } finally {
      server.close();
    }
    // The JWKS cannot be fetched: that is no verdict on the token; it throws.
    const unreachable = shopperTokenVerifier({ keys: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } });
    await expect(unreachable(await fromPython('user:x', 'EdDSA', pem))).rejects.toThrow();
  });

  it('is configured with exactly one kind of key: the API refuses to start with none, or two', () => {
    const env = {
      DATABASE_URL: 'postgres://rose@127.0.0.1/rose',
      API_SERVICE_TOKENS: 'storefront',
    };
    for (const keys of [
      {},
      { SHOPPER_TOKEN_SECRET: secret, SHOPPER_JWKS_URL: 'https://shop.example/jwks.json' },
      { SHOPPER_TOKEN_SECRET: 'too-short' },
    ]) {
      expect(() => readApiConfig({ ...env, ...keys }), JSON.stringify(keys)).toThrow(
        /SHOPPER_TOKEN_SECRET/,
      );
    }
    expect(readApiConfig({ ...env, SHOPPER_JWKS_FILE: '/run/secrets/jwks.json' })).toMatchObject({
      SHOPPER_TOKEN_AUDIENCE: 'rose-checkout',
    });
  });

  it('refuses any other token: another algorithm, none, a segment missing or added, expired, another audience', async () => {
    const refusedBy = async (v: ShopperTokenVerifier, t: string) =>
      expect(await v(t), t).toBeUndefined();
    const good = await token(valid);
    expect(await verify(good)).toEqual({ userId: '42' });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(valid)).toString('base64url')}.`;
    const refusals = [
      await token(valid, 'HS512', new TextEncoder().encode(secret)),
      unsigned,
      `${good}.x`,
      good.split('.').slice(0, 2).join('.'),
      `${good}x`,
      await token({ ...valid, exp: now() - 31 }),
      await token({ ...valid, aud: 'another-service' }),
      await token({ ...valid, iat: undefined }),
      await token({ ...valid, sub: 'admin:1' }),
      await token(valid, 'HS256', new TextEncoder().encode(`${secret}-not`)),
      'v1.eyJzdWIiOiJ1c2VyOjQyIn0.sig',
    ];
    for (const refused of refusals) await refusedBy(verify, refused);
    // Clocks may differ by up to 30 s.
    expect(await verify(await token({ ...valid, exp: now() - 20 }))).toEqual({ userId: '42' });
    // An issuer is checked when one is configured.
    const withIssuer = shopperTokenVerifier({ keys: { secret }, issuer: 'https://shop.example' });
    await refusedBy(withIssuer, good);
    expect(await withIssuer(await token({ ...valid, iss: 'https://shop.example' }))).toEqual({
      userId: '42',
    });
  });
});
