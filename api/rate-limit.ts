import { isIPv6 } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
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
  /** Milliseconds on a clock that never goes back; tests move their own. */
  now?: () => number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  // SumUp sends one webhook per payment, from few addresses: a limit near the rate of
  // payments refuses SumUp itself in a sale's rush, and every refused webhook leaves a paid
  // order waiting for SumUp's retry or our poll (10 minutes). The engine confirms about 15
  // orders a second on 2 cores; signals beyond that queue in Temporal, cheaply.
  webhook: { perSecond: 500, burst: 2000 },
  public: { perSecond: 10, burst: 30 },
};

export interface TokenBucketOptions {
  now?: () => number;
  /** The most clients remembered at once. */
  maxClients?: number;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was counted. */
  at: number;
}

/**
 * A token bucket per client. A client with a full bucket is the same as one never seen, so
 * it is forgotten: memory grows with the clients active lately, never with all ever seen.
 */
export class TokenBuckets {
  // Re-inserted on every spend, so the oldest spend comes first.
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxClients: number;
  /** However empty a bucket was, it is full again after this long untouched. */
  private readonly fillMs: number;

  constructor(
    private readonly limit: RateLimit,
    options: TokenBucketOptions = {},
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
      throw new Error('A rate limit needs perSecond > 0 and burst >= 1.');
    }
    this.now = options.now ?? (() => performance.now());
    this.maxClients = options.maxClients ?? 10_000;
    this.fillMs = (limit.burst / limit.perSecond) * 1000;
  }

  /** How many clients are remembered. */
  get clients(): number {
    return this.buckets.size;
  }

  /** Spends one of the client's tokens; a refusal spends nothing. */
  take(client: string): Verdict {
    const now = this.now();
    this.forgetFull(now);
    const bucket = this.buckets.get(client);
    const tokens = bucket
      ? Math.min(
          this.limit.burst,
          bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.limit.perSecond,
        )
      : this.limit.burst;
    if (tokens < 1) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.limit.perSecond)),
      };
    }
    this.buckets.delete(client);
    if (this.buckets.size >= this.maxClients) {
      // Under a flood of distinct clients memory wins: the least recent one starts afresh.
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(client, { tokens: tokens - 1, at: now });
    return { allowed: true };
  }

  private forgetFull(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (now - bucket.at < this.fillMs) return;
      this.buckets.delete(client);
    }
  }
}

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

/** Answers 429 `rate_limited` with `Retry-After` once a client has spent its tokens. */
export function rateLimiter(limit: RateLimit, options: TokenBucketOptions = {}) {
  const buckets = new TokenBuckets(limit, options);
  return (req: Request, res: Response, next: NextFunction) => {
    const verdict = buckets.take(clientKey(req));
    if (verdict.allowed) return next();
    res.set('retry-after', String(verdict.retryAfterSeconds));
    next(new ApiProblem(429, 'rate_limited', 'Too many requests: try again later.'));
  };
}
