import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../activities/events/event-types.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { createTestContext, type TestContext } from './harness/context.ts';

let ctx: TestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTestContext('api-contract');
  api = await startApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

interface Operation {
  security: unknown[];
  parameters: { name: string; in: string; required: boolean; schema: { pattern?: string } }[];
  requestBody?: {
    required: boolean;
    content: { 'application/json': { schema: Record<string, unknown> } };
  };
  responses: Record<string, unknown>;
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: Operation }>;
}

const document = async () => (await (await fetch(`${api.url}/openapi.json`)).json()) as OpenApi;
const operations = (doc: OpenApi) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('documents every endpoint, with its credentials and the problems it can answer', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    expect(operations(doc).map(({ method, path }) => `${method.toUpperCase()} ${path}`)).toEqual([
      'GET /healthz',
      'GET /readyz',
      'POST /webhooks/sumup',
      'GET /v1/cart',
      'GET /v1/cart/summary',
      'POST /v1/cart/products',
      'PUT /v1/cart/products/{id}',
      'DELETE /v1/cart/products/{id}',
      'POST /v1/cart/bookings',
      'DELETE /v1/cart/bookings/{id}',
      'POST /v1/cart/tickets',
      'DELETE /v1/cart/tickets/{id}',
      'POST /v1/cart/adopt',
      'POST /v1/checkouts',
      'GET /v1/checkouts/{scope}',
      'POST /v1/checkouts/{scope}/cancel',
      'GET /v1/orders',
      'GET /v1/orders/{token}',
      'GET /orders/{token}',
      'GET /checkout/return/{token}',
      'GET /v1/fragments/cart-mini',
      'GET /v1/fragments/account-nav-item',
      'GET /v1/availability/entries/{entryId}',
      'POST /v1/admin/orders/{orderId}/refunds',
      'POST /v1/admin/orders/{orderId}/cancel',
      'POST /v1/admin/bookings/{entryId}/accept',
      'POST /v1/admin/bookings/{entryId}/decline',
      'POST /v1/admin/tickets/{code}/check-in',
      'PUT /v1/admin/pages/{pageRef}',
      'GET /v1/admin/pages/{pageRef}',
      'DELETE /v1/admin/pages/{pageRef}',
      'PUT /v1/admin/pages/{pageRef}/sumup',
      'GET /v1/admin/pages/{pageRef}/sumup',
      'PUT /v1/admin/products/{productRef}',
      'GET /v1/admin/products/{productRef}',
      'DELETE /v1/admin/products/{productRef}',
      'PUT /v1/admin/calendars/{calendarRef}',
      'GET /v1/admin/calendars/{calendarRef}',
      'DELETE /v1/admin/calendars/{calendarRef}',
      'PUT /v1/admin/calendars/{calendarRef}/slots/{slotRef}',
      'GET /v1/admin/calendars/{calendarRef}/slots/{slotRef}',
      'DELETE /v1/admin/calendars/{calendarRef}/slots/{slotRef}',
      'PUT /v1/admin/entries/{entryRef}',
      'GET /v1/admin/entries/{entryRef}',
      'DELETE /v1/admin/entries/{entryRef}',
      'PUT /v1/admin/entries/{entryRef}/ticket-types/{typeRef}',
      'GET /v1/admin/entries/{entryRef}/ticket-types/{typeRef}',
      'DELETE /v1/admin/entries/{entryRef}/ticket-types/{typeRef}',
      'GET /metrics',
      'GET /openapi.json',
      'GET /docs',
    ]);
    for (const { path, op } of operations(doc)) {
      expect(Object.keys(op.responses), path).toContain('500');
      // Seats left are for anyone; the rest of /v1/ needs a credential.
      const storefront = path.startsWith('/v1/') && !path.startsWith('/v1/availability/');
      expect(op.security.length > 0, path).toBe(storefront);
      if (storefront) expect(Object.keys(op.responses), path).toContain('401');
      if (path.startsWith('/v1/admin/')) {
        expect(op.security, path).toEqual([{ adminToken: [] }]);
        expect(Object.keys(op.responses), path).toContain('403');
      }
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        expect(op.parameters.find((p) => `{${p.name}}` === name)?.required, path).toBe(true);
      }
    }
    for (const path of ['/webhooks/sumup', '/orders/{token}', '/checkout/return/{token}']) {
      expect(Object.keys(Object.values(doc.paths[path]!)[0]!.responses)).toContain('429');
    }
  });

  it("requires an Idempotency-Key on an admin's refund, cancel and decline, and on no other admin operation", async () => {
    const doc = await document();
    const keyed = operations(doc).filter(({ op }) =>
      op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
    );
    expect(
      keyed
        .filter(({ path }) => path.startsWith('/v1/admin/'))
        .map(({ method, path, op }) => [
          `${method.toUpperCase()} ${path}`,
          op.parameters.find((p) => p.name === 'Idempotency-Key')!.required,
          ['409', '422', '428'].filter((status) => status in op.responses),
        ]),
    ).toEqual(
      [
        'POST /v1/admin/orders/{orderId}/refunds',
        'POST /v1/admin/orders/{orderId}/cancel',
        'POST /v1/admin/bookings/{entryId}/decline',
      ].map((operation) => [operation, true, ['409', '422', '428']]),
    );
    // The storefront's stays optional: without one, a request is as it always was.
    for (const { path, op } of keyed.filter(({ path }) => !path.startsWith('/v1/admin/'))) {
      expect(op.parameters.find((p) => p.name === 'Idempotency-Key')!.required, path).toBe(false);
      expect(op.responses, path).not.toHaveProperty('428');
    }
  });

  it('is generated from the schemas that validate: what it forbids, the server refuses', async () => {
    const doc = await document();
    const booking = doc.paths['/v1/cart/bookings']!.post!.requestBody!.content['application/json']
      .schema as { required: string[]; additionalProperties: boolean; properties: object };
    expect(booking.required.sort()).toEqual(['slotId', 'startsAt']);
    expect(booking.additionalProperties).toBe(false);
    expect(booking.properties).toHaveProperty('startsAt.format', 'date-time');

    // Every storefront body the document closes to unknown fields is closed on the server.
    const shopper = { userId: `u-${randomUUID()}` };
    const closed = operations(doc).filter(
      ({ path, op }) =>
        path.startsWith('/v1/') &&
        !path.startsWith('/v1/admin/') &&
        op.requestBody?.content['application/json'].schema.additionalProperties === false,
    );
    expect(closed.length).toBeGreaterThanOrEqual(6);
    for (const { path, method } of closed) {
      const res = await api.call(path.replace(/\{\w+\}/g, '1'), {
        method: method.toUpperCase(),
        body: JSON.stringify({ priceMinor: 1 }),
        shopper,
      });
      const problem = (await res.json()) as { code: string; fields: { field: string }[] };
      expect([res.status, problem.code], `${method} ${path}`).toEqual([400, 'invalid_input']);
      expect(
        problem.fields.map((f) => f.field),
        `${method} ${path}`,
      ).toContain('body');
    }
  });
});

describe('client mistakes', () => {
  it('never make a 500: every operation answers garbage with a documented problem', async () => {
    const doc = await document();
    const shopper = { sessionId: randomUUID() };
    const badPathValues = [
      'abc',
      '%E0%A4%A',
      '-1',
      '0',
      '1.5',
      '99999999999999999999',
      '%00',
      'x'.repeat(300),
    ];
    const badBodies = ['[]', '"text"', 'null', '{"quantity":"many"}', '{"pageId":-1}', '{'];
    for (const { path, method, op } of operations(doc)) {
      const urls = path.includes('{')
        ? badPathValues.map((v) => path.replace(/\{\w+\}/g, v))
        : [`${path}?limit=-5&before=nope`];
      const bodies = op.requestBody ? badBodies : [undefined];
      for (const url of urls) {
        for (const body of bodies) {
          const res = await api.call(url, { method: method.toUpperCase(), body, shopper });
          const what = `${method.toUpperCase()} ${url.slice(0, 60)} ${body ?? ''}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
          }
          await res.arrayBuffer();
        }
      }
    }
  });
});

describe('strict input', () => {
  it('names a row one way only: ids in paths and queries are canonical decimal', async () => {
    const shopper = { sessionId: randomUUID() };
    const loose = ['0x1', '1e0', '0b1', '1.0', '%201', '01', '+1', '1%20'];
    for (const [method, path, field] of [
      ['PUT', '/v1/cart/products/{}', 'path.id'],
      ['DELETE', '/v1/cart/bookings/{}', 'path.id'],
      ['GET', '/v1/checkouts/{}', 'path.scope'],
    ] as const) {
      for (const id of loose) {
        const res = await api.call(path.replace('{}', id), {
          method,
          shopper,
          ...(method === 'PUT' ? { body: JSON.stringify({ quantity: 1 }) } : {}),
        });
        const problem = (await res.json()) as { code: string; fields?: { field: string }[] };
        expect([res.status, problem.code, problem.fields?.[0]?.field], `${method} ${id}`).toEqual([
          400,
          'invalid_input',
          field,
        ]);
      }
      // The canonical spelling is taken (and finds nothing there).
      const canonical = await api.call(path.replace('{}', '1'), {
        method,
        shopper,
        ...(method === 'PUT' ? { body: JSON.stringify({ quantity: 1 }) } : {}),
      });
      expect(canonical.status, `${method} 1`).toBe(404);
    }
    const paged = await api.call('/v1/orders?limit=0x10', { shopper });
    expect([
      paged.status,
      ((await paged.json()) as { fields: { field: string }[] }).fields[0]!.field,
    ]).toEqual([400, 'query.limit']);
  });

  it('publishes every event a subscriber receives under webhooks, with its versioned data schema', async () => {
    const doc = await document();
    expect(Object.keys(doc.webhooks).sort()).toEqual([...eventTypes].sort());
    const paid = doc.webhooks['order.paid']!.post;
    expect(paid.parameters.map((p) => p.name)).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    const body = paid.requestBody!.content['application/json'].schema as {
      required: string[];
      properties: { data: { required: string[]; properties: Record<string, unknown> } };
    };
    expect(body.required).toEqual(['type', 'timestamp', 'data']);
    expect(body.properties.data.required).toEqual(
      expect.arrayContaining(['version', 'order', 'unhonoured']),
    );
  });

  it('documents exactly the ids and counts it takes: a number the pattern allows is never refused', async () => {
    const doc = await document();
    const patternOf = (path: string, method: string, name: string) =>
      new RegExp(
        doc.paths[path]![method]!.parameters.find((p) => p.name === name)!.schema.pattern!,
      );
    const shopper = { sessionId: randomUUID() };
    const idPattern = patternOf('/v1/cart/products/{id}', 'delete', 'id');
    for (const id of ['1', '2147483647', '2147483648', '9999999999']) {
      const res = await api.call(`/v1/cart/products/${id}`, { method: 'DELETE', shopper });
      await res.arrayBuffer();
      // Past PostgreSQL's integer, no row can be named: refused, and documented so.
      expect([id, res.status === 400], id).toEqual([id, !idPattern.test(id)]);
    }
    const limitPattern = patternOf('/v1/orders', 'get', 'limit');
    for (const limit of ['1', '100', '101', '9610']) {
      const res = await api.call(`/v1/orders?limit=${limit}`, { shopper });
      await res.arrayBuffer();
      expect([limit, res.status === 400], limit).toEqual([limit, !limitPattern.test(limit)]);
    }
    // SumUp's webhook takes anything, no body included: documented as optional.
    expect(doc.paths['/webhooks/sumup']!.post!.requestBody!.required).toBe(false);
    expect(doc.paths['/v1/cart/products']!.post!.requestBody!.required).toBe(true);
  });

  it('takes a shopper token only in its exact form: one with anything appended is refused', async () => {
    const token = await api.sign({ sessionId: randomUUID() });
    const asked = (shopperToken: string) =>
      api.call('/v1/cart', { headers: { 'x-shopper-token': shopperToken } });
    expect((await asked(token)).status).toBe(200);
    for (const appended of [`${token}.x`, `${token}.`, `${token}..`]) {
      const res = await asked(appended);
      expect(res.status, appended.slice(-3)).toBe(401);
      await res.arrayBuffer();
    }
  });

  it('answers 405 with Allow for a method a path does not take, credentials or not', async () => {
    for (const [method, path, allow] of [
      ['GET', '/v1/checkouts', 'POST'],
      ['DELETE', '/v1/cart', 'GET, HEAD'],
      ['PUT', '/webhooks/sumup', 'POST'],
    ] as const) {
      for (const withCredentials of [true, false]) {
        const res = withCredentials
          ? await api.call(path, { method, shopper: { sessionId: randomUUID() } })
          : await fetch(`${api.url}${path}`, { method });
        expect([res.status, res.headers.get('allow')], `${method} ${path}`).toEqual([405, allow]);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(((await res.json()) as { code: string }).code).toBe('method_not_allowed');
      }
    }
  });
});

describe('the docs page', () => {
  it('lists every operation, under a CSP that allows its own style and nothing else', async () => {
    const doc = await document();
    const res = await fetch(`${api.url}/docs`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    const page = await res.text();
    for (const { method, path } of operations(doc)) {
      expect(page).toContain(`${method.toUpperCase()} ${path}`);
    }
    expect(page).toContain('href="/openapi.json"');
  });
});
