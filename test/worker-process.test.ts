import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { newSecret } from '../activities/events/subscribers.ts';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventSubscribers, orderItems, orders, outboxEvents, refunds } from '../db/schema/index.ts';
import { askOrder } from '../temporal/order-actions.ts';
import { checkout } from '../workflows/checkout.ts';
import {
  checkoutWorkflowId,
  hostedCheckoutUpdate,
  sumupWebhookSignal,
  type CheckoutInput,
} from '../workflows/checkout-messages.ts';
import { startOwnProcess } from './harness/own-process.ts';
import { createTestContext, TEST_CREDENTIALS_KEYS, type TestContext } from './harness/context.ts';
import { freePort } from './harness/free-port.ts';
import { orderFromCart, shopPayingEmulator, startCheckout } from './harness/checkout.ts';
import { startSumupFixture, type SumupFixture } from './sumup/fixture.ts';
import { startSubscriber } from './harness/subscriber.ts';

let ctx: TestContext;
let f: SumupFixture;
const children: ChildProcess[] = [];
beforeAll(async () => {
  [ctx, f] = await Promise.all([createTestContext('worker-process'), startSumupFixture()]);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await ctx?.close();
  await f?.close();
});

/** `worker/main.ts` as production runs it: its own process, a prebuilt bundle, env config. */
const startWorkerProcess = (metricsAddress = 'off', env: Record<string, string> = {}) =>
  startOwnProcess(
    'worker/main.ts',
    '"msg":"worker started"',
    {
      DATABASE_URL: ctx.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: ctx.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      SUMUP_API_URL: f.emulator.url,
      SUMUP_TIMEOUT_MS: '2000',
      PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      WORKER_METRICS_ADDRESS: metricsAddress,
      LOG_LEVEL: 'info',
      // The pages' SumUp keys the tests stored are sealed with these.
      CREDENTIALS_KEYS: TEST_CREDENTIALS_KEYS,
      ...env,
    },
    children,
  );

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('the worker process', () => {
  it('is killed mid-checkout, and the next worker completes the checkout exactly once', async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addTickets(shopper.userId, 2);
    const input: CheckoutInput = {
      shopper,
      scope: { pageId: shop.page.id },
      pollInitialMs: 60_000,
    };
    const workflowId = checkoutWorkflowId(shopper, input.scope);

    const first = await startWorkerProcess();
    const view = await ctx.temporal.client.workflow.executeUpdateWithStart(hostedCheckoutUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(checkout, {
        workflowId,
        taskQueue: ctx.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    // Logs are JSON lines; every line the checkout writes once its order exists names both.
    const checkoutLines = () =>
      first
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((l) => l.workflowId === workflowId && l.state !== 'creating_order');
    await expect
      .poll(() => checkoutLines().map((l) => [l.msg, l.state]))
      .toContainEqual(['checkout state', 'awaiting_payment']);
    expect(checkoutLines().every((l) => l.orderId === String(view.orderId))).toBe(true);
    const killed = exited(first.child);
    first.child.kill('SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');

    // The shopper pays and SumUp tells us while no worker runs.
    await f.control(`/checkouts/${view.hostedCheckoutUrl!.split('/pay/c-')[1]}/pay`);
    const handle = ctx.temporal.client.workflow.getHandle<typeof checkout>(workflowId);
    await handle.signal(sumupWebhookSignal);

    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const second = await startWorkerProcess(metricsAddress);
    const result = await handle.result();
    expect(result).toMatchObject({ state: 'paid', orderId: view.orderId });

    // The SDK's own metrics, for Prometheus, beside the API's.
    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    expect(metrics).toMatch(/^temporal_worker_start\{/m);
    expect(metrics).toMatch(/^temporal_worker_task_slots_available\{.*task_queue="test-/m);
    // And the process's own, from prom-client.
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    const paidEvents = await ctx.database.db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.orderId, view.orderId!), eq(outboxEvents.type, 'order.paid')));
    expect(paidEvents).toHaveLength(1);
    const [order] = await ctx.database.db.select().from(orders).where(eq(orders.id, view.orderId!));
    const sumupCheckouts = await f
      .sdk()
      .checkouts.list({ checkout_reference: order!.checkoutReference! });
    expect(sumupCheckouts.map((c) => [c.id, c.status])).toEqual([[order!.sumupCheckoutId, 'PAID']]);

    // SIGTERM: a graceful stop, exit code 0.
    const stopped = exited(second.child);
    second.child.kill('SIGTERM');
    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(second.output()).toContain('"msg":"worker stopped"');
  });

  it('is killed while it delivers an event, and the next worker delivers it, under the same webhook-id', async () => {
    const subscriber = await startSubscriber(['hang']);
    const secret = newSecret();
    const env = {
      // Registered at start, idempotently: the second worker finds it made.
      EVENT_SUBSCRIBER_URL: subscriber.url,
      EVENT_SUBSCRIBER_SECRET: secret,
      EVENT_DELIVERY_TIMEOUT_MS: '1000',
      PAYMENT_SWEEP_EVERY_MINUTES: '0',
    };
    try {
      const first = await startWorkerProcess('off', env);
      const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
      const shopper = { userId: `u-${randomUUID()}` };
      await shop.addMug(shopper, 1);
      await orderFromCart(ctx.database.db, shopper, shop.page.id);
      // The subscriber has the request and holds it; the worker dies before any answer.
      await expect.poll(() => subscriber.received.length, { timeout: 10_000 }).toBe(1);
      const killed = exited(first.child);
      first.child.kill('SIGKILL');
      await killed;

      const metricsAddress = `127.0.0.1:${await freePort()}`;
      const second = await startWorkerProcess(metricsAddress, env);
      // Once the dead worker's lease runs out, the delivery goes again.
      await expect.poll(() => subscriber.received.length, { timeout: 20_000 }).toBe(2);
      const [lost, delivered] = subscriber.received;
      expect(delivered!.headers['webhook-id']).toBe(lost!.headers['webhook-id']);
      expect(() =>
        new Webhook(secret).verify(delivered!.body, delivered!.headers as Record<string, string>),
      ).not.toThrow();
      expect(
        await ctx.database.db
          .select({ url: eventSubscribers.url })
          .from(eventSubscribers)
          .where(eq(eventSubscribers.url, subscriber.url)),
      ).toHaveLength(1);
      // The worker's metrics count it.
      await expect
        .poll(async () => (await fetch(`http://${metricsAddress}/metrics`)).text(), {
          timeout: 10_000,
        })
        .toMatch(/rose_event_deliveries\S*\{[^}]*outcome="delivered"/);
      second.child.kill('SIGTERM');
      await exited(second.child);
    } finally {
      await subscriber.close();
    }
  });

  it('is killed while SumUp holds an admin refund, and the next worker settles it: one refund at SumUp', async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addTickets(shopper.userId, 1);
    const input: CheckoutInput = { shopper, scope: { pageId: shop.page.id } };
    const first = await startWorkerProcess();
    const view = await startCheckout(ctx, input);
    const workflowId = view.workflowId;
    const sumupId = view.hostedCheckoutUrl!.split('/pay/c-')[1]!;
    await f.control(`/checkouts/${sumupId}/pay`);
    const handle = ctx.temporal.client.workflow.getHandle<typeof checkout>(workflowId);
    await handle.signal(sumupWebhookSignal);
    expect((await handle.result()).state).toBe('paid');

    // SumUp takes its time over the refund: it lands, but the answer comes late.
    await f.control('/faults', {
      kind: 'latency',
      route: 'POST /v1.0/merchants/:merchantCode/payments/:transactionId/refunds',
      delayMs: 3_000,
      times: 1,
    });
    const [item] = await ctx.database.db
      .select()
      .from(orderItems)
      .where(eq(orderItems.orderId, view.orderId!));
    const answer = await askOrder(ctx.temporal.client, ctx.taskQueue, {
      orderId: view.orderId!,
      request: { kind: 'lines', lines: [{ itemId: item!.id }], reason: 'cannot come' },
      actor: 'test',
      requestId: randomUUID(),
    });
    expect(answer).toMatchObject({ kind: 'recorded', state: 'due', amountMinor: 1500 });
    // The refund is at SumUp, unanswered: the worker dies.
    // (A rule that hit its `times` is gone from the list.)
    const faults = async () =>
      (await (await f.control('/faults', undefined, 'GET')).json()) as unknown[];
    await expect.poll(async () => (await faults()).length, { timeout: 10_000 }).toBe(0);
    const killed = exited(first.child);
    first.child.kill('SIGKILL');
    await killed;

    // The next worker retries the send once its activity times out, reads SumUp's record
    // first, and finds the refund there: issued, never sent twice.
    const second = await startWorkerProcess();
    await expect
      .poll(
        async () =>
          (
            await ctx.database.db
              .select({ status: refunds.status })
              .from(refunds)
              .where(eq(refunds.orderId, view.orderId!))
          )[0]?.status,
        // The dead worker's send times out (30 s) before the retry: slower on a busy machine.
        { timeout: 150_000, interval: 500 },
      )
      .toBe('issued');
    expect(
      f.emulator.store.find(sumupId)!.transactions[0]!.refunds.map((r) => r.amountMinor),
    ).toEqual([1500]);
    second.child.kill('SIGTERM');
    await exited(second.child);
  }, 240_000);
});
