import { workflowSinks } from '../worker/worker.ts';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { claimEntriesAndTickets } from '../activities/calendar/claims.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import {
  calendarEntries,
  orders,
  outboxEvents,
  pages,
  refunds,
  type UnansweredBookingPolicy,
} from '../db/schema/index.ts';
import { orderActions } from '../workflows/order-actions.ts';
import { orderWorkflowId } from '../workflows/order-messages.ts';
import { orderFromCart } from './harness/checkout.ts';
import { seedShop } from './harness/seed.ts';
import { createTestContext, NO_PAYMENTS, type TestContext } from './harness/context.ts';
import { startTimeSkipping } from './harness/time-skipping.ts';
import { recordEventAfter } from './workflows/harness-workflows.ts';

let ctx: TestContext;
let skipping: TestWorkflowEnvironment;
beforeAll(async () => {
  ctx = await createTestContext('time-skipping');
  skipping = await startTimeSkipping();
});
afterAll(async () => {
  await skipping?.teardown();
  await ctx?.close();
});

describe("Temporal's time-skipping test server", () => {
  it('fires a 30-day durable timer without waiting 30 days', async () => {
    const key = `checkout.expired:${randomUUID()}`;
    const worker = await Worker.create({
      connection: skipping.nativeConnection,
      taskQueue: ctx.taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      sinks: workflowSinks(),
      activities: createActivities({ db: ctx.database.db, payments: NO_PAYMENTS }),
    });
    const serverTimeBefore = await skipping.currentTimeMs();

    const recorded = await worker.runUntil(
      skipping.client.workflow.execute(recordEventAfter, {
        taskQueue: ctx.taskQueue,
        workflowId: `sleep-${key}`,
        args: ['30 days', { type: 'checkout.expired', key, payload: {} }],
      }),
    );

    const skipped = (await skipping.currentTimeMs()) - serverTimeBefore;
    expect(skipped).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    const rows = await ctx.database.db.select().from(outboxEvents).where(eq(outboxEvents.key, key));
    expect(rows.map((r) => r.id)).toEqual([recorded.id]);
  });

  it("answers a booking left unanswered for PROVISIONAL_BOOKING_DAYS (7) by the page's policy, through the order's durable timer", async () => {
    const db = ctx.database.db;
    /** A paid order with one booking, on a page with this policy. */
    const paidBooking = async (policy: UnansweredBookingPolicy) => {
      const shop = await seedShop(db, { seats: 1 });
      await db.update(pages).set({ unansweredBookings: policy }).where(eq(pages.id, shop.page.id));
      const shopper = { userId: `u-${randomUUID()}` };
      const entry = await shop.addBooking(shopper);
      const order = await orderFromCart(db, shopper, shop.page.id);
      await claimEntriesAndTickets(db, order.orderId);
      await confirmPaidOrder(db, { orderId: order.orderId, transactionId: `tx-${randomUUID()}` });
      // Paid now by the server's clock, which an earlier test may have moved on.
      await db
        .update(orders)
        .set({ paidAt: new Date(await skipping.currentTimeMs()) })
        .where(eq(orders.id, order.orderId));
      return { orderId: order.orderId, entryId: entry.id };
    };
    const accepting = await paidBooking('accept');
    const declining = await paidBooking('decline');
    const entryState = async (id: number) =>
      (await db.select().from(calendarEntries).where(eq(calendarEntries.id, id)))[0]!.state;

    const worker = await Worker.create({
      connection: skipping.nativeConnection,
      taskQueue: ctx.taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      sinks: workflowSinks(),
      // The default week; SumUp unreachable (the declined booking's refund stays owed).
      activities: createActivities({ db, payments: NO_PAYMENTS }),
    });
    const serverTimeBefore = await skipping.currentTimeMs();
    await worker.runUntil(async () => {
      // As payment starts them. Time is moved on by hand, and only while each waits on its
      // timer: never while a workflow task runs its database steps (local activities).
      const handles = await Promise.all(
        [accepting, declining].map(({ orderId }) =>
          skipping.client.workflow.start(orderActions, {
            taskQueue: ctx.taskQueue,
            workflowId: orderWorkflowId(orderId),
            args: [{ orderId }],
          }),
        ),
      );
      const timerStarted = async (handle: (typeof handles)[number]) =>
        ((await handle.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes);
      for (const handle of handles) {
        await expect.poll(() => timerStarted(handle), { timeout: 10_000 }).toBe(true);
      }
      expect(await entryState(accepting.entryId)).toBe('provisional');
      await skipping.sleep('7 days');
      await expect.poll(() => entryState(accepting.entryId), { timeout: 10_000 }).toBe('confirmed');
      await expect.poll(() => entryState(declining.entryId), { timeout: 10_000 }).toBe('declined');
      await Promise.all(handles.map((h) => h.terminate('the test is done')));
    });

    expect((await skipping.currentTimeMs()) - serverTimeBefore).toBeGreaterThanOrEqual(
      7 * 24 * 3600 * 1000,
    );
    const [owed] = await db.select().from(refunds).where(eq(refunds.orderId, declining.orderId));
    // SumUp is not reachable here: owed, for ops.
    expect(owed).toMatchObject({ requestedBy: 'page:policy', amountMinor: 4000 });
  });
});
