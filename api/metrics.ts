import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { endpoint, type Endpoint } from './endpoint.ts';
import { ApiProblem, problemResponses } from './problem.ts';

export type CheckoutScopeLabel = 'global' | 'page';

export interface MetricsSettings {
  /** When set, `GET /metrics` wants `Authorization: Bearer <token>`. */
  token?: string;
}

export interface Metrics {
  /** Counts and times every request, and notes its route pattern; mount it first. */
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  /** `GET /metrics`, in Prometheus' text exposition format, by prom-client. */
  endpoint: Endpoint;
  checkoutStarted: (scope: CheckoutScopeLabel) => void;
}

/** What Express sets as `req.route`: the route's own pattern, relative to its router. */
interface MatchedRoute {
  path: unknown;
}

const UNMATCHED = 'unmatched';

/** The route pattern that answered (never the URL, which carries ids), or `unmatched`. */
export const routeOf = (res: Response): string =>
  (res.locals.route as string | undefined) ?? UNMATCHED;

const sameToken = (expected: string, given: string) =>
  timingSafeEqual(
    createHash('sha256').update(expected).digest(),
    createHash('sha256').update(given).digest(),
  );

/**
 * Request counts and durations by method, route pattern and status, and checkouts started,
 * with prom-client's default process metrics (CPU, memory, event-loop lag, GC). A request no
 * route took, such as a 404 or a credential refused before any route, is `unmatched`.
 * Routers must be mounted at fixed paths: a parameter in a mount path would show its value.
 */
export function createMetrics(settings: MetricsSettings = {}): Metrics {
  // A registry per app: the tests run several in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const checkouts = new Counter({
    name: 'checkouts_started_total',
    help: 'Checkouts started, by scope.',
    labelNames: ['scope'],
    registers: [registry],
  });
  // Both series exist from the start, at 0.
  checkouts.inc({ scope: 'global' }, 0);
  checkouts.inc({ scope: 'page' }, 0);

  const requireToken = (req: Request, res: Response, next: NextFunction) => {
    if (settings.token === undefined) return next();
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (bearer !== undefined && sameToken(settings.token, bearer)) return next();
    res.set('www-authenticate', 'Bearer');
    next(
      new ApiProblem(401, 'unauthenticated', 'A valid metrics credential is required.', [
        { field: 'header.authorization', message: 'missing or not recognised' },
      ]),
    );
  };
  const metricsEndpoint = endpoint(
    {
      method: 'get',
      path: '/metrics',
      summary:
        'Request counts and latencies by route and status, checkouts started, and the process',
      tag: 'operations',
      access: 'public',
      responses: {
        200: { description: 'Prometheus text exposition format 0.0.4.', text: true },
        ...problemResponses(401),
      },
    },
    async (_in, _req, res) => {
      res
        .set({ 'content-type': registry.contentType, 'cache-control': 'no-store' })
        .send(await registry.metrics());
    },
    [requireToken],
  );

  return {
    middleware(req, res, next) {
      const started = performance.now();
      // By 'finish', an error leaving a mounted router has already restored the parent's
      // baseUrl, so the pattern is noted at the moment the router sets req.route.
      let route = req.route as MatchedRoute | undefined;
      Object.defineProperty(req, 'route', {
        configurable: true,
        enumerable: true,
        get: () => route,
        set(value: MatchedRoute | undefined) {
          route = value;
          res.locals.route = value ? `${req.baseUrl}${String(value.path)}` : undefined;
        },
      });
      res.once('finish', () => {
        const labels = { method: req.method, route: routeOf(res), status: res.statusCode };
        requests.inc(labels);
        durations.observe(labels, (performance.now() - started) / 1000);
      });
      next();
    },
    endpoint: metricsEndpoint,
    checkoutStarted(scope) {
      checkouts.inc({ scope });
    },
  };
}
