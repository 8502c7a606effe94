import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Shopper } from '../workflows/checkout-types.ts';
import { ApiProblem } from './problem.ts';
import type { ShopperTokenVerifier } from './shopper-token.ts';

export interface AuthSettings {
  /** Credentials the storefront presents as `Authorization: Bearer <token>`. */
  serviceTokens: string[];
  /** Admin credentials, each with the name the audit records. */
  adminTokens?: { name: string; token: string }[];
  /** Verifies the JWT the storefront signs to name the shopper (`api/shopper-token.ts`). */
  shopperTokens: ShopperTokenVerifier;
}

const sameSecret = (a: string, b: string) => {
  // Bytes, not characters: a non-ASCII token of the same length must not throw.
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The storefront's service credential, then the shopper its signed token names. */
export function requireShopper(settings: AuthSettings) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!bearer || !settings.serviceTokens.some((token) => sameSecret(token, bearer))) {
      return next(
        new ApiProblem(401, 'unauthenticated', 'A valid service credential is required.', [
          { field: 'header.authorization', message: 'missing or not recognised' },
        ]),
      );
    }
    const token = req.get('x-shopper-token');
    let shopper;
    try {
      shopper = token ? await settings.shopperTokens(token) : undefined;
    } catch {
      // The storefront's keys could not be read (its JWKS is down): not the shopper's fault.
      return next(
        new ApiProblem(
          503,
          'shopper_keys_unavailable',
          "The storefront's keys cannot be read now.",
        ),
      );
    }
    if (!shopper) {
      return next(
        new ApiProblem(401, 'invalid_shopper_token', 'A valid shopper token is required.', [
          { field: 'header.x-shopper-token', message: 'missing, forged or expired' },
        ]),
      );
    }
    res.locals.shopper = shopper;
    next();
  };
}

export const shopperOf = (res: Response): Shopper => res.locals.shopper as Shopper;

/** An admin credential, by its name; the storefront's service credential is not one (403). */
export function requireAdmin(settings: AuthSettings) {
  return (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const admin = bearer
      ? settings.adminTokens?.find(({ token }) => sameSecret(token, bearer))
      : undefined;
    if (admin) {
      res.locals.admin = admin.name;
      return next();
    }
    if (bearer && settings.serviceTokens.some((token) => sameSecret(token, bearer))) {
      return next(
        new ApiProblem(
          403,
          'admin_only',
          'The storefront credential does not reach the admin API.',
          [{ field: 'header.authorization', message: 'a service token, not an admin token' }],
        ),
      );
    }
    next(
      new ApiProblem(401, 'unauthenticated', 'A valid admin credential is required.', [
        { field: 'header.authorization', message: 'missing or not recognised' },
      ]),
    );
  };
}

export const adminOf = (res: Response): string => res.locals.admin as string;
