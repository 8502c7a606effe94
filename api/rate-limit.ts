import { isIPv6 } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import { BurstyRateLimiter, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiProblem } from './problem.ts';

/** What one client may ask of an endpoint: `burst` requests at once, `perSecond` sustained. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RateLimitSettings {
  /** `POST /webhooks/sumup`. */
  webhook: RateLimit;
  /** The browser-facing pages: return page and order pages. */
  public: RateLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  // SumUp sends one webhook per payment, from few addresses: a limit near the rate of
  // payments refuses SumUp itself in a sale's rush, and every refused webhook leaves a paid
  // order waiting for SumUp's retry or our poll (10 minutes). The engine confirms about 15
  // orders a second on 2 cores; signals beyond that queue in Temporal, cheaply.
  webhook: { perSecond: 500, burst: 2000 },
  public: { perSecond: 10, burst: 30 },
};

/**
 * Who is asking: the IP address, or an IPv6 client's /64, since one host commonly holds a
 * whole /64. Behind a proxy, `req.ip` is the proxy's unless Express's `trust proxy` names it.
 */
export function clientKey(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const width = (part: string[]) => part.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const full =
    tail === undefined
      ? groups(head)
      : [
          ...groups(head),
          ...Array<string>(8 - width(groups(head)) - width(groups(tail))).fill('0'),
          ...groups(tail),
        ];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Answers 429 `rate_limited` with `Retry-After` once a client has spent its budget. The
 * budget lives in PostgreSQL (`rate-limiter-flexible`'s store, table `rate_limits`), so every
 * API replica spends from the same one and a restart forgets nothing: `perSecond` sustained
 * (a window of a second, or of one request when slower), and `burst` more over the time the
 * burst takes to refill. Should PostgreSQL fail to answer, the request goes through: a limit
 * must never refuse SumUp's webhooks for our own trouble.
 */
export function rateLimiter(pool: pg.Pool, name: string, limit: RateLimit) {
  if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
    throw new Error('A rate limit needs perSecond > 0 and burst >= 1.');
  }
  // Replicas with the same limit share a budget; a limit changed by a new release starts
  // its own rather than read another's counts.
  const prefix = `${name}:${limit.perSecond}/${limit.burst}`;
  const store = { storeClient: pool, tableName: 'rate_limits', tableCreated: true };
  const steadyPoints = Math.max(1, Math.floor(limit.perSecond));
  const limiter = new BurstyRateLimiter(
    new RateLimiterPostgres({
      ...store,
      keyPrefix: `${prefix}:steady`,
      points: steadyPoints,
      duration: Math.ceil(steadyPoints / limit.perSecond),
    }),
    new RateLimiterPostgres({
      ...store,
      keyPrefix: `${prefix}:burst`,
      points: limit.burst,
      duration: Math.ceil(limit.burst / limit.perSecond),
    }),
  );
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await limiter.consume(clientKey(req));
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) return next();
      res.set('retry-after', String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))));
      return next(new ApiProblem(429, 'rate_limited', 'Too many requests: try again later.'));
    }
    next();
  };
}
