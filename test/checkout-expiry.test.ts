import { workflowSinks } from '../worker/worker.ts';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { orders, tickets } from '../db/schema/index.ts';
import { checkout } from '../workflows/checkout.ts';
import { checkoutWorkflowId, type CheckoutInput } from '../workflows/checkout-messages.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { emulatorPayments, shopPayingEmulator } from './harness/checkout.ts';
import { startTimeSkipping } from './harness/time-skipping.ts';
import { startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let skipping: TestWorkflowEnvironment;
beforeAll(async () => {
  [ctx, f, skipping] = await Promise.all([
    createTestContext('checkout-expiry'),
    startSumupFixture(),
    startTimeSkipping(),
  ]);
});
afterAll(async () => {
  await skipping?.teardown();
  await ctx?.close();
  await f?.close();
});

describe('a checkout nobody pays', () => {
  it('expires after the default 30 minutes, releasing its claims and closing the SumUp checkout', async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    const held = await shop.addTickets(shopper.userId, 2);
    const input: CheckoutInput = { shopper, scope: { pageId: shop.page.id } };
    const worker = await Worker.create({
      connection: skipping.nativeConnection,
      taskQueue: ctx.taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      sinks: workflowSinks(),
      activities: createActivities({
        db: ctx.database.db,
        payments: emulatorPayments(f),
      }),
    });
    const started = await skipping.currentTimeMs();

    const result = await worker.runUntil(
      skipping.client.workflow.execute(checkout, {
        workflowId: checkoutWorkflowId(shopper, input.scope),
        taskQueue: ctx.taskQueue,
        args: [input],
      }),
    );

    expect(result.state).toBe('expired');
    expect((await skipping.currentTimeMs()) - started).toBeGreaterThanOrEqual(30 * 60_000);
    const states = await ctx.database.db
      .select()
      .from(tickets)
      .where(eq(tickets.entryId, shop.gig.id));
    expect(states.filter((t) => held.some((h) => h.id === t.id)).map((t) => t.state)).toEqual([
      'pending',
      'pending',
    ]);
    const [order] = await ctx.database.db
      .select()
      .from(orders)
      .where(eq(orders.id, result.orderId!));
    expect(order!.status).toBe('expired');
    expect((await f.sdk().checkouts.get(order!.sumupCheckoutId!)).status).toBe('EXPIRED');
  });
});
