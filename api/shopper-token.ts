import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { Shopper } from '../workflows/checkout-types.ts';

// The storefront names the shopper with a JWT (RFC 7519) it signs: `sub` is `user:<id>` or
// `session:<id>`, with `exp`, `iat` and `aud`. Signed with a secret shared with us (HS256),
// or, better, with the storefront's own private key, whose public half we read from a JWKS
// (EdDSA, RS256, ES256): then no secret is shared at all. `jose` verifies it.

export const DEFAULT_AUDIENCE = 'rose-checkout';
/** How far the storefront's clock may be from ours. */
const CLOCK_SKEW_SECONDS = 30;
const PUBLIC_KEY_ALGORITHMS = ['EdDSA', 'RS256', 'ES256'];

export type ShopperKeys = { secret: string } | { jwksUrl: string } | { jwks: JSONWebKeySet };

export interface ShopperTokenSettings {
  keys: ShopperKeys;
  audience?: string;
  /** Checked when set. */
  issuer?: string | undefined;
}

/** The shopper a token names; undefined for any token that is not a valid one of ours. */
export type ShopperTokenVerifier = (token: string) => Promise<Shopper | undefined>;

/** The keys' own failures (a JWKS that cannot be fetched) are not the token's: they throw. */
const INVALID_TOKEN = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
];

export function shopperTokenVerifier(settings: ShopperTokenSettings): ShopperTokenVerifier {
  const { keys } = settings;
  let key: JWTVerifyGetKey;
  if ('secret' in keys) {
    const secret = new TextEncoder().encode(keys.secret);
    key = () => secret;
  } else {
    key =
      'jwksUrl' in keys ? createRemoteJWKSet(new URL(keys.jwksUrl)) : createLocalJWKSet(keys.jwks);
  }
  const options = {
    // One family of algorithms per deployment: a public key is never taken as an HMAC secret.
    algorithms: 'secret' in keys ? ['HS256'] : PUBLIC_KEY_ALGORITHMS,
    audience: settings.audience ?? DEFAULT_AUDIENCE,
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    clockTolerance: CLOCK_SKEW_SECONDS,
    requiredClaims: ['sub', 'exp', 'iat'],
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, options);
      return shopperOf(payload.sub);
    } catch (error) {
      if (INVALID_TOKEN.some((type) => error instanceof type)) return undefined;
      throw error;
    }
  };
}

function shopperOf(sub: string | undefined): Shopper | undefined {
  const match = /^(user|session):(.{1,200})$/.exec(sub ?? '');
  if (!match) return undefined;
  return match[1] === 'user' ? { userId: match[2]! } : { sessionId: match[2]! };
}

/**
 * A shopper token signed with a shared secret (HS256), as the local stack, the tests and
 * the benchmarks make them; a storefront makes its own the same way (README).
 */
export function signShopperToken(
  secret: string,
  shopper: Shopper,
  options: { ttlSeconds?: number; audience?: string; now?: number } = {},
): Promise<string> {
  const sub =
    shopper.userId !== undefined ? `user:${shopper.userId}` : `session:${shopper.sessionId}`;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(secret));
}
