import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle.ts';
import { bundleTraces, workflowTracing } from '../worker/worker.ts';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signShopperToken } from '../api/shopper-token.ts';
import { emulatorSuite, shopPayingEmulator } from './harness/checkout.ts';
import { TEST_CREDENTIALS_KEYS, type TestContext } from './harness/context.ts';
import { freePort } from './harness/free-port.ts';
import { startOwnProcess } from './harness/own-process.ts';
import type { SumupFixture } from './sumup/fixture.ts';

// OpenTelemetry across processes, as production runs them: the API and the worker each
// export spans over OTLP/HTTP (JSON) to a collector this test keeps in memory.

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

let ctx: TestContext;
let f: SumupFixture;
emulatorSuite('tracing', (suite) => ({ ctx, f } = suite));

const spans: Span[] = [];
let collector: Server;
let collectorUrl: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const sent = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: {
            spans: (Omit<Span, 'service' | 'attributes'> & {
              attributes?: { key: string; value: Record<string, unknown> }[];
            })[];
          }[];
        }[];
      };
      for (const { resource, scopeSpans } of sent.resourceSpans) {
        const service =
          resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const span of scopeSpans.flatMap((s) => s.spans)) {
          spans.push({
            ...span,
            service,
            attributes: Object.fromEntries(
              (span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]),
            ),
          });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await new Promise((resolve) => collector?.close(resolve));
});

/** A process of ours, as production starts it, traced. */
const startProcess = (main: string, ready: string, env: Record<string, string>) =>
  startOwnProcess(
    main,
    ready,
    {
      DATABASE_URL: ctx.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: ctx.taskQueue,
      CREDENTIALS_KEYS: TEST_CREDENTIALS_KEYS,
      SUMUP_API_URL: f.emulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      // Spans leave every 100 ms rather than every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LOG_LEVEL: 'info',
      ...env,
    },
    children,
  );

describe('OpenTelemetry traces', () => {
  it('follow one checkout from POST /v1/checkouts through the workflow, its activities and the SumUp call', async () => {
    const port = await freePort();
    const secret = `tracing-secret-${randomUUID()}`;
    await Promise.all([
      startProcess('worker/main.ts', '"msg":"worker started"', {
        WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
        WORKER_METRICS_ADDRESS: 'off',
        PUBLIC_BASE_URL: 'http://127.0.0.1:9',
        PAYMENT_SWEEP_EVERY_MINUTES: '0',
        EVENT_RELAY: 'off',
      }),
      startProcess('api/main.ts', '"msg":"api listening"', {
        PORT: String(port),
        HOST: '127.0.0.1',
        API_SERVICE_TOKENS: 'storefront-token',
        SHOPPER_TOKEN_SECRET: secret,
      }),
    ]);
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addTickets(shopper.userId, 1);
    const res = await fetch(`http://127.0.0.1:${port}/v1/checkouts`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer storefront-token',
        'x-shopper-token': await signShopperToken(secret, shopper),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ pageId: shop.page.id }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    /** The checkout's trace: the API's request span and every span under it. */
    const trace = () => {
      const request = spans.find(
        (s) => s.service === 'rose-checkout-api' && s.attributes['http.route'] === '/v1/checkouts',
      );
      return request ? spans.filter((s) => s.traceId === request.traceId) : [];
    };
    const names = () => trace().map((s) => `${s.service} ${s.name}`);
    await expect.poll(names, { timeout: 15_000, interval: 250 }).toEqual(
      expect.arrayContaining([
        // The request, as Express routed it, and its update-with-start of the workflow.
        'rose-checkout-api POST /v1/checkouts',
        'rose-checkout-api UpdateWithStartWorkflow:hostedCheckout',
        // The workflow takes the update and runs its steps.
        'rose-checkout-worker HandleUpdate:hostedCheckout',
        'rose-checkout-worker RunActivity:openOrder',
        'rose-checkout-worker RunActivity:createSumupCheckout',
      ]),
    );
    // SumUp's call, made inside the activity, and the database's queries.
    await expect
      .poll(
        () =>
          trace().some(
            (s) =>
              s.service === 'rose-checkout-worker' &&
              (s.attributes['url.full'] as string | undefined)?.includes('/v0.1/checkouts') ===
                true,
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(trace().some((s) => s.attributes['db.system'] === 'postgresql')).toBe(true);
  });
});

describe('the workflow bundle', () => {
  it('records spans in workflows only when built for tracing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rose-bundle-'));
    try {
      await buildWorkflowBundle(join(dir, 'plain.js'), false);
      await buildWorkflowBundle(join(dir, 'traced.js'), true);
      expect(bundleTraces(await readFile(join(dir, 'plain.js'), 'utf8'))).toBe(false);
      expect(bundleTraces(await readFile(join(dir, 'traced.js'), 'utf8'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Built where traces go, or asked for; never otherwise.
    expect(workflowTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(workflowTracing({ WORKFLOW_TRACING: 'on' })).toBe(true);
    expect(
      workflowTracing({ WORKFLOW_TRACING: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' }),
    ).toBe(false);
    expect(workflowTracing({})).toBe(false);
  });
});
