import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Shopper } from '../workflows/checkout-types.ts';

// The storefront names the shopper with a token it signs with a secret it shares with us
// (HMAC-SHA256): `v1.<payload>.<signature>`, payload = base64url JSON {sub, exp}, where sub is
// `user:<id>` or `session:<id>` and exp is in Unix seconds. A browser cannot forge one.

const VERSION = 'v1';

const signature = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest('base64url');

export function signShopperToken(
  secret: string,
  shopper: Shopper,
  ttlSeconds = 3600,
  now = Date.now(),
): string {
  const sub =
    shopper.userId !== undefined ? `user:${shopper.userId}` : `session:${shopper.sessionId}`;
  const payload = Buffer.from(
    JSON.stringify({ sub, exp: Math.floor(now / 1000) + ttlSeconds }),
  ).toString('base64url');
  return `${VERSION}.${payload}.${signature(secret, payload)}`;
}

/** The shopper a token names, or undefined when it is malformed, forged or expired. */
export function verifyShopperToken(
  secret: string,
  token: string,
  now = Date.now(),
): Shopper | undefined {
  // Exactly `v1.<payload>.<signature>`: a valid token with anything appended is not one.
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [version, payload, given] = parts;
  if (version !== VERSION || !payload || !given) return undefined;
  const expected = Buffer.from(signature(secret, payload));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  let claims: { sub?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
  } catch {
    return undefined;
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now || typeof claims.sub !== 'string')
    return undefined;
  const match = /^(user|session):(.{1,200})$/.exec(claims.sub);
  if (!match) return undefined;
  return match[1] === 'user' ? { userId: match[2]! } : { sessionId: match[2]! };
}
