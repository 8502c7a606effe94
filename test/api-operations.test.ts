import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import express, { type Request } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerOf } from '../api/endpoint.ts';
import { createMetrics } from '../api/metrics.ts';
import { ApiProblem, problemHandler } from '../api/problem.ts';
import { clientKey } from '../api/rate-limit.ts';
import { orders } from '../db/schema/index.ts';
import { reconcileWorkflowId } from '../workflows/reconcile-late-payment.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { createTestContext, type TestContext } from './harness/context.ts';

const METRICS_TOKEN = `metrics-${randomUUID()}`;
/** A webhook budget small enough to spend in a test: 1 a second... once in 2 s, and 3 more. */
const WEBHOOK_LIMIT = { perSecond: 0.5, burst: 3 };

let ctx: TestContext;
let api: TestApi;
let guarded: TestApi;
let proxied: TestApi;
/** Two API replicas with the same limits, behind a proxy that names the client. */
let replicas: [TestApi, TestApi];
beforeAll(async () => {
  ctx = await createTestContext('api-operations');
  const limited = {
    trustProxy: 1,
    rateLimits: { webhook: WEBHOOK_LIMIT, public: { perSecond: 10, burst: 30 } },
  };
  [api, guarded, proxied, ...replicas] = await Promise.all([
    startApi(ctx),
    startApi(ctx, { metricsToken: METRICS_TOKEN }),
    startApi(ctx, {
      trustProxy: 1,
      rateLimits: { webhook: { perSecond: 0.001, burst: 1 }, public: { perSecond: 10, burst: 30 } },
    }),
    startApi(ctx, limited),
    startApi(ctx, limited),
  ]);
});
afterAll(async () => {
  for (const app of [api, guarded, proxied, ...(replicas ?? [])]) await app?.close();
  await ctx?.close();
});

const scrape = async (app: TestApi, init: RequestInit = {}) => {
  const res = await fetch(`${app.url}/metrics`, init);
  return { res, text: await res.text() };
};

/** A series as `name{a="1",b="2"}`, its labels in one order whatever order they came in. */
const canonical = (series: string) => {
  const match = /^([^{]+)(?:\{(.*)\})?$/.exec(series)!;
  const labels = (match[2] ?? '').match(/\w+="(?:[^"\\]|\\.)*"/g) ?? [];
  return `${match[1]}{${[...labels].sort().join(',')}}`;
};

/** The sample's value, or undefined when the exposition has no such line. */
const sample = (text: string, series: string) => {
  const wanted = canonical(series);
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.includes(' ') &&
        !l.startsWith('#') &&
        canonical(l.slice(0, l.lastIndexOf(' '))) === wanted,
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('GET /metrics', () => {
  it('counts and times requests by route pattern, never by the URL', async () => {
    const shopper = { sessionId: `s-${randomUUID()}` };
    for (let i = 0; i < 2; i++) {
      const missing = await api.call('/v1/cart/products/918273645', { method: 'DELETE', shopper });
      expect(missing.status).toBe(404);
    }
    expect((await api.call('/nowhere/secret-id-4711', { shopper })).status).toBe(404);

    const { res, text } = await scrape(api);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const labels = 'method="DELETE",route="/v1/cart/products/:id",status="404"';
    expect(sample(text, `http_requests_total{${labels}}`)).toBe(2);
    expect(sample(text, `http_request_duration_seconds_count{${labels}}`)).toBe(2);
    expect(sample(text, `http_request_duration_seconds_sum{${labels}}`)).toBeGreaterThan(0);
    expect(sample(text, `http_request_duration_seconds_bucket{${labels},le="+Inf"}`)).toBe(2);
    const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10'];
    const buckets = les.map((le) =>
      sample(text, `http_request_duration_seconds_bucket{${labels},le="${le}"}`),
    );
    expect(buckets.every((n) => n !== undefined && n >= 0 && n <= 2)).toBe(true);
    expect(buckets).toEqual([...(buckets as number[])].sort((a, b) => a - b));
    expect(sample(text, 'http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(
      1,
    );
    expect(text).not.toMatch(/\/v1\/cart\/products\/\d/);
    expect(text).not.toContain('secret-id');

    for (const family of [
      '# TYPE http_requests_total counter',
      '# TYPE http_request_duration_seconds histogram',
      '# TYPE checkouts_started_total counter',
    ]) {
      expect(text).toContain(`\n${family}\n`);
    }
    expect(sample(text, 'checkouts_started_total{scope="global"}')).toBe(0);
    expect(sample(text, 'checkouts_started_total{scope="page"}')).toBe(0);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('wants the bearer token when METRICS_TOKEN is set', async () => {
    const refusals = [
      await scrape(guarded),
      await scrape(guarded, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } }),
      await scrape(guarded, { headers: { authorization: METRICS_TOKEN } }),
    ];
    for (const { res, text } of refusals) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(JSON.parse(text)).toMatchObject({ status: 401, code: 'unauthenticated' });
    }

    const { res, text } = await scrape(guarded, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(sample(text, 'http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(3);
  });

  it("names a mounted router's route in full, even when it fails, and counts checkouts", async () => {
    const metrics = createMetrics();
    const things = express.Router();
    things.get('/:id', () => {
      throw new ApiProblem(404, 'not_found', 'No such thing.');
    });
    const app = express()
      .use(metrics.middleware, routerOf([metrics.endpoint]))
      .use('/v1/things', things);
    app.use(problemHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      expect((await fetch(`${url}/v1/things/77`)).status).toBe(404);
      metrics.checkoutStarted('page');
      metrics.checkoutStarted('page');
      metrics.checkoutStarted('global');
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(
        sample(text, 'http_requests_total{method="GET",route="/v1/things/:id",status="404"}'),
      ).toBe(1);
      expect(sample(text, 'checkouts_started_total{scope="page"}')).toBe(2);
      expect(sample(text, 'checkouts_started_total{scope="global"}')).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("includes the process's own metrics: CPU, memory, event-loop lag", async () => {
    const { text } = await scrape(api);
    for (const series of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(sample(text, series), series).toBeGreaterThan(0);
    }
  });
});

describe('request logs', () => {
  it('log one line per request: method, route pattern, status and time; never the URL, a header or a body', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { base: undefined, timestamp: false },
      {
        write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
      },
    );
    const logged = await startApi(ctx, { log });
    try {
      const shopper = { sessionId: `s-${randomUUID()}` };
      const res = await logged.call('/v1/cart/products/918273645?secret=query-4711', {
        method: 'DELETE',
        shopper,
        body: JSON.stringify({ note: 'body-4711' }),
      });
      expect(res.status).toBe(404);
      await res.arrayBuffer();
    } finally {
      await logged.close();
    }
    const request = lines.find((l) => l.msg === 'request' && l.method === 'DELETE');
    expect(request).toEqual({
      level: 30,
      msg: 'request',
      method: 'DELETE',
      route: '/v1/cart/products/:id',
      status: 404,
      ms: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toMatch(/4711|918273645|x-shopper-token|authorization/i);
  });
});

describe('rate limiting POST /webhooks/sumup', () => {
  /** A webhook to one replica, from a client the proxy names. */
  const webhook = (app: TestApi, client: string, body: unknown) =>
    fetch(`${app.url}/webhooks/sumup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify(body),
    });
  const reconciliation = (orderId: number) =>
    ctx.temporal.client.workflow.getHandle(reconcileWorkflowId(orderId));

  it('answers 429 with Retry-After once the budget is spent, changes nothing, and recovers', async () => {
    const client = '203.0.113.41';
    // An order whose checkout run is gone: a webhook that gets through starts a reconciliation.
    const sumupId = randomUUID();
    const [order] = await ctx.database.db
      .insert(orders)
      .values({
        idempotencyKey: `ops-${sumupId}`,
        userId: `u-${sumupId}`,
        currency: 'GBP',
        totalMinor: 1000,
        workflowId: `checkout:gone:${sumupId}`,
        sumupCheckoutId: sumupId,
      })
      .returning({ id: orders.id });
    const aboutTheOrder = { event_type: 'CHECKOUT_STATUS_CHANGED', id: sumupId };

    // The burst goes through; then the budget is spent.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await webhook(replicas[0], client, { nonsense: i })).status);
    }
    expect(statuses.slice(0, WEBHOOK_LIMIT.burst)).toEqual([204, 204, 204]);
    expect(statuses).toContain(429);
    const limited = await webhook(replicas[0], client, aboutTheOrder);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(6);
    expect(await limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    await expect(reconciliation(order!.id).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    // Another client has a budget of its own.
    expect((await webhook(replicas[0], '198.51.100.41', { nonsense: true })).status).toBe(204);

    // The window passes, and the webhook gets through.
    await expect
      .poll(async () => (await webhook(replicas[0], client, aboutTheOrder)).status, {
        timeout: 10_000,
        interval: 500,
      })
      .toBe(204);
    const reconciling = reconciliation(order!.id);
    expect((await reconciling.describe()).status.name).toBe('RUNNING');
    await reconciling.terminate('test done: no worker will run it');

    const { text } = await scrape(replicas[0]);
    expect(
      sample(text, 'http_requests_total{method="POST",route="/webhooks/sumup",status="429"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it('spends one budget across API replicas: PostgreSQL keeps it, not each process', async () => {
    const client = '203.0.113.42';
    const statuses: number[] = [];
    // Alternating between the two replicas: each alone would let 4 through (1 + a burst of 3).
    for (let i = 0; i < 8; i++) {
      const res = await webhook(replicas[i % 2]!, client, { nonsense: i });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    const through = statuses.filter((s) => s === 204).length;
    // One window may turn over while it runs: one more, never each replica's own four.
    expect(through).toBeGreaterThanOrEqual(4);
    expect(through).toBeLessThanOrEqual(5);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });
});

describe('clients', () => {
  it('are keyed by their address, and an IPv6 client by its /64', () => {
    const key = (ip: string) => clientKey({ ip } as Request);
    expect(key('203.0.113.9')).toBe('203.0.113.9');
    expect(key('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(key('2001:db8:0a:b::1')).toBe('2001:db8:a:b::/64');
    expect(key('2001:0db8:000a:000b:ffff:1:2:3')).toBe('2001:db8:a:b::/64');
    expect(key('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(key('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('behind a proxy (TRUST_PROXY=1)', () => {
  it("limits each client by the address the proxy forwards, not the proxy's own", async () => {
    const webhook = (client: string) =>
      fetch(`${proxied.url}/webhooks/sumup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ event_type: 'CHECKOUT_STATUS_CHANGED', id: randomUUID() }),
      }).then((r) => r.status);
    // 1 + a burst of 1 for this client; the next is refused, and another client goes on.
    expect([await webhook('203.0.113.7'), await webhook('203.0.113.7')]).toEqual([204, 204]);
    expect(await webhook('203.0.113.7')).toBe(429);
    expect(await webhook('198.51.100.23')).toBe(204);
  });
});
