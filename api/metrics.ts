import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { endpoint, type Endpoint } from './endpoint.ts';
import { ApiProblem, problemResponses } from './problem.ts';

export type CheckoutScopeLabel = 'global' | 'page';

export interface MetricsSettings {
  /** When set, `GET /metrics` wants `Authorization: Bearer <token>`. */
  token?: string;
}

export interface Metrics {
  /** Counts and times every request; mount it first. */
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  /** `GET /metrics`, in Prometheus' text exposition format 0.0.4. */
  endpoint: Endpoint;
  checkoutStarted: (scope: CheckoutScopeLabel) => void;
}

/** What Express sets as `req.route`: the route's own pattern, relative to its router. */
interface MatchedRoute {
  path: unknown;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UNMATCHED = 'unmatched';

interface RequestSeries {
  labels: string;
  count: number;
  sumSeconds: number;
  /** Cumulative: `buckets[i]` counts requests that took at most `DURATION_BUCKETS[i]`. */
  buckets: number[];
}

export const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelSet = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
    .join(',')}}`;

const sameToken = (expected: string, given: string) =>
  timingSafeEqual(
    createHash('sha256').update(expected).digest(),
    createHash('sha256').update(given).digest(),
  );

/**
 * Request counts and durations by method, route pattern and status, and checkouts started,
 * kept in this process. The route label is the pattern that matched (never the URL, which
 * carries ids); a request no route took, such as a 404 or a credential refused before any
 * route, is `unmatched`. Routers must be mounted at fixed paths: a parameter in a mount path
 * would show its value.
 */
export function createMetrics(settings: MetricsSettings = {}): Metrics {
  const requests = new Map<string, RequestSeries>();
  const checkouts: Record<CheckoutScopeLabel, number> = { global: 0, page: 0 };

  function observe(method: string, route: string, status: number, seconds: number): void {
    const labels = labelSet({ method, route, status: String(status) });
    let series = requests.get(labels);
    if (!series) {
      series = { labels, count: 0, sumSeconds: 0, buckets: DURATION_BUCKETS.map(() => 0) };
      requests.set(labels, series);
    }
    series.count += 1;
    series.sumSeconds += seconds;
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) series.buckets[i]! += 1;
    });
  }

  function exposition(): string {
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by method, route pattern and status.',
      '# TYPE http_requests_total counter',
      ...[...requests.values()].map((s) => `http_requests_total${s.labels} ${s.count}`),
      '# HELP http_request_duration_seconds Time to answer an HTTP request.',
      '# TYPE http_request_duration_seconds histogram',
      ...[...requests.values()].flatMap((s) => {
        const withLe = (le: string) => `${s.labels.slice(0, -1)},le="${le}"}`;
        return [
          ...DURATION_BUCKETS.map(
            (le, i) => `http_request_duration_seconds_bucket${withLe(String(le))} ${s.buckets[i]}`,
          ),
          `http_request_duration_seconds_bucket${withLe('+Inf')} ${s.count}`,
          `http_request_duration_seconds_sum${s.labels} ${s.sumSeconds}`,
          `http_request_duration_seconds_count${s.labels} ${s.count}`,
        ];
      }),
      '# HELP checkouts_started_total Checkouts started, by scope.',
      '# TYPE checkouts_started_total counter',
      ...Object.entries(checkouts).map(
        ([scope, n]) => `checkouts_started_total${labelSet({ scope })} ${n}`,
      ),
    ];
    return `${lines.join('\n')}\n`;
  }

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
      summary: 'Request counts and latencies by route and status, and checkouts started',
      tag: 'operations',
      access: 'public',
      responses: {
        200: { description: 'Prometheus text exposition format 0.0.4.', text: true },
        ...problemResponses(401),
      },
    },
    (_in, _req, res) => {
      res.set({ 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' }).send(exposition());
    },
    [requireToken],
  );

  return {
    middleware(req, res, next) {
      const started = performance.now();
      // By 'finish', an error leaving a mounted router has already restored the parent's
      // baseUrl, so the pattern is noted at the moment the router sets req.route.
      let route = req.route as MatchedRoute | undefined;
      let pattern: string | undefined;
      Object.defineProperty(req, 'route', {
        configurable: true,
        enumerable: true,
        get: () => route,
        set(value: MatchedRoute | undefined) {
          route = value;
          pattern = value ? `${req.baseUrl}${String(value.path)}` : undefined;
        },
      });
      res.once('finish', () => {
        const seconds = (performance.now() - started) / 1000;
        observe(req.method, pattern ?? UNMATCHED, res.statusCode, seconds);
      });
      next();
    },
    endpoint: metricsEndpoint,
    checkoutStarted(scope) {
      checkouts[scope] += 1;
    },
  };
}
