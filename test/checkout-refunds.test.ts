import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { claimEntriesAndTickets } from '../activities/calendar/claims.ts';
import { createOrderFromCart } from '../activities/orders/create-order.ts';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import { addProduct } from '../db/queries/cart-lines.ts';
import { readPricedCart } from '../db/queries/cart.ts';
import {
  orderItems,
  orders,
  outboxEvents,
  refunds,
  tickets,
  ticketTypes,
} from '../db/schema/index.ts';
import type { checkout } from '../workflows/checkout.ts';
import {
  checkoutStatusQuery,
  refundHandledSignal,
  sumupWebhookSignal,
  type CheckoutInput,
} from '../workflows/checkout-messages.ts';
import { reconcileLatePayment, reconcileWorkflowId } from '../workflows/reconcile-late-payment.ts';
import { recheckNowSignal } from '../workflows/checkout-messages.ts';
import type { TestContext } from './harness/context.ts';
import {
  emulatorSuite,
  expiredOrderStillOpenAtSumup,
  shopPayingEmulator,
  startCheckout,
  sumupIdOf,
} from './harness/checkout.ts';
import type { SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
emulatorSuite('checkout-refunds', (suite) => ({ ctx, f, payments } = suite), { record: true });

const db = () => ctx.database.db;
const FAST_REFUND_RETRY = { maximumAttempts: 3, initialIntervalMs: 100 };

/** A page that refunds automatically, paying the emulator's merchant. */
const refundingShop = (seats: number) => shopPayingEmulator(db(), { seats, autoRefund: true });

const transactionOf = (sumupCheckoutId: string) =>
  f.emulator.store.find(sumupCheckoutId)!.transactions[0]!;
const eventTypes = async (orderId: number) =>
  (await db().select().from(outboxEvents).where(eq(outboxEvents.orderId, orderId)))
    .map((e) => e.type)
    .sort();

/** A shopper with two tickets for a five-seat gig on a page that refunds automatically. */
async function twoTicketBuyer() {
  const shop = await refundingShop(5);
  const shopper = { userId: `u-${randomUUID()}` };
  const held = await shop.addTickets(shopper.userId, 2);
  const input: CheckoutInput = {
    shopper,
    scope: { pageId: shop.page.id },
    pollInitialMs: 60_000,
    refundRetry: FAST_REFUND_RETRY,
  };
  return { shop, held, input };
}

/**
 * Starts the checkout; then the organiser cuts the event to one seat while the shopper
 * pays, and SumUp's webhook arrives. Answers the checkout's handle.
 */
async function payAfterTheEventShrinks(shop: { standing: { id: number } }, input: CheckoutInput) {
  const view = await startCheckout(ctx, input);
  await db().update(ticketTypes).set({ capacity: 1 }).where(eq(ticketTypes.id, shop.standing.id));
  await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
  const handle = ctx.temporal.client.workflow.getHandle<typeof checkout>(view.workflowId);
  await handle.signal(sumupWebhookSignal);
  return handle;
}

describe('paid tickets that can no longer be honoured', () => {
  it('are cancelled, noticed and refunded through SumUp when the event shrinks before payment', async () => {
    const { shop, held, input } = await twoTicketBuyer();

    const result = await ctx.withWorker(async () => {
      const handle = await payAfterTheEventShrinks(shop, input);
      return handle.result();
    }, payments);

    expect(result).toMatchObject({
      state: 'refunded',
      paid: {
        unhonoured: [{ kind: 'ticket', id: held[1]!.id, reason: 'sold_out' }],
        refund: { amountMinor: 1500, currency: 'GBP' },
      },
    });
    const states = (
      await db().select().from(tickets).where(eq(tickets.orderId, result.orderId!))
    ).map((t) => [t.id, t.state]);
    expect(states.sort()).toEqual([
      [held[0]!.id, 'confirmed'],
      [held[1]!.id, 'cancelled'],
    ]);
    expect(transactionOf(sumupIdOf(result.hostedCheckoutUrl!)).refundedMinor).toBe(1500);
    const [refund] = await db().select().from(refunds).where(eq(refunds.orderId, result.orderId!));
    expect([refund!.status, refund!.attempts]).toEqual(['issued', 1]);
    expect(await eventTypes(result.orderId!)).toEqual([
      'order.created',
      'order.paid',
      'order.refund_due',
      'order.refunded',
    ]);
  });

  it('are refunded once at SumUp when its answer to the refund is lost, then read back, not resent', async () => {
    const { shop, input } = await twoTicketBuyer();
    // SumUp refunds, then the answer is a 5xx: the worker cannot know it worked.
    await f.control('/faults', {
      kind: 'created-then-error',
      route: 'POST /v1.0/merchants/:merchantCode/payments/:transactionId/refunds',
      times: 1,
    });

    const result = await ctx.withWorker(async () => {
      const handle = await payAfterTheEventShrinks(shop, input);
      return handle.result();
    }, payments);

    expect(result).toMatchObject({ state: 'refunded', paid: { refund: { amountMinor: 1500 } } });
    // One refund at SumUp, for the ticket that lost its seat; not two.
    const transaction = transactionOf(sumupIdOf(result.hostedCheckoutUrl!));
    expect(transaction.refunds.map((r) => r.amountMinor)).toEqual([1500]);
    expect(transaction.refundedMinor).toBe(1500);
    const [refund] = await db().select().from(refunds).where(eq(refunds.orderId, result.orderId!));
    expect([refund!.status, refund!.attempts]).toEqual(['issued', 2]);
  });

  it('wait as refund_due while SumUp keeps refusing the refund, until ops say it was handled', async () => {
    const { shop, input } = await twoTicketBuyer();
    await f.control('/faults', {
      kind: 'server-error',
      route: 'POST /v1.0/merchants/:merchantCode/payments/:transactionId/refunds',
    });

    const result = await ctx.withWorker(async () => {
      const handle = await payAfterTheEventShrinks(shop, input);

      await expect
        .poll(async () => (await handle.query(checkoutStatusQuery)).state, { timeout: 15_000 })
        .toBe('refund_due');
      const { orderId } = await handle.query(checkoutStatusQuery);
      const [refund] = await db().select().from(refunds).where(eq(refunds.orderId, orderId!));
      expect([refund!.status, refund!.attempts, refund!.lastError]).toEqual([
        'due',
        3,
        expect.stringContaining('502'),
      ]);
      await handle.signal(refundHandledSignal);
      return handle.result();
    }, payments);
    await f.control('/faults', undefined, 'DELETE');

    expect(result.state).toBe('refunded');
    expect(Object.keys(result.steps)).toContain('refund_due');
    const [refund] = await db().select().from(refunds).where(eq(refunds.orderId, result.orderId!));
    expect(refund!.status).toBe('handled');
    const [order] = await db().select().from(orders).where(eq(orders.id, result.orderId!));
    expect([order!.status, order!.refundState]).toEqual(['paid', 'refunded']);
  });
});

describe('a payment that arrives after the checkout gave up', () => {
  const expiredOrderStillPayable = (seats: number, mugs = 0) =>
    expiredOrderStillOpenAtSumup(db(), payments, seats, { mugs });

  const reconcile = (orderId: number) =>
    ctx.withWorker(
      () =>
        ctx.temporal.client.workflow.execute(reconcileLatePayment, {
          workflowId: reconcileWorkflowId(orderId),
          taskQueue: ctx.taskQueue,
          args: [{ orderId, refundRetry: FAST_REFUND_RETRY }],
        }),
      payments,
    );

  it('is confirmed when the seats are still there', async () => {
    const { orderId, ticket, sumupId } = await expiredOrderStillPayable(3);
    await f.control(`/checkouts/${sumupId}/pay`);
    const result = await reconcile(orderId);
    expect(result).toMatchObject({ state: 'paid', paid: { unhonoured: [] } });
    expect((await db().select().from(tickets).where(eq(tickets.id, ticket.id)))[0]!.state).toBe(
      'confirmed',
    );
    const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
    expect(order!.status).toBe('paid');
  });

  it('takes from the cart only what it paid for: mugs added after the checkout expired stay in the cart', async () => {
    const { shop, shopper, orderId, sumupId } = await expiredOrderStillPayable(3, 1);
    // Back in the cart, the shopper raises the mug from 1 to 3, as the cart API does.
    expect(await addProduct(db(), shopper, shop.mug.id, 2)).toBe('ok');
    await f.control(`/checkouts/${sumupId}/pay`);

    const result = await reconcile(orderId);
    expect(result).toMatchObject({ state: 'paid', paid: { unhonoured: [] } });
    const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
    expect([order!.status, order!.refundState]).toEqual(['paid', null]);
    const [mugItem] = await db()
      .select()
      .from(orderItems)
      .where(and(eq(orderItems.orderId, orderId), eq(orderItems.kind, 'product')));
    expect(mugItem!.quantity).toBe(1);
    const cart = await readPricedCart(db(), shopper, { pageId: shop.page.id });
    expect(cart.map((l) => [l.kind, l.productId, l.quantity])).toEqual([
      ['product', shop.mug.id, 2],
    ]);
    expect(transactionOf(sumupId).refundedMinor).toBe(0);
  });

  it('is refunded when the last seat went to someone else meanwhile', async () => {
    const { shop, orderId, ticket, sumupId } = await expiredOrderStillPayable(1);
    const other = { userId: `u-${randomUUID()}` };
    await shop.addTickets(other.userId, 1);
    const otherOrder = await createOrderFromCart(db(), {
      idempotencyKey: randomUUID(),
      workflowId: 'other',
      workflowRunId: 'test-run',
      shopper: other,
      scope: { pageId: shop.page.id },
    });
    if (otherOrder.kind !== 'created') throw new Error('no order');
    expect(await claimEntriesAndTickets(db(), otherOrder.order.orderId)).toEqual({ claimed: true });

    await f.control(`/checkouts/${sumupId}/pay`);
    const result = await reconcile(orderId);
    expect(result).toMatchObject({ state: 'refunded', paid: { refund: { amountMinor: 1500 } } });
    expect((await db().select().from(tickets).where(eq(tickets.id, ticket.id)))[0]!.state).toBe(
      'cancelled',
    );
    expect(transactionOf(sumupId).refundedMinor).toBe(1500);
  });

  it('changes nothing when SumUp does not say paid, however often it is asked', async () => {
    const { orderId } = await expiredOrderStillPayable(3);
    const [first, second] = [await reconcile(orderId), await reconcile(orderId)];
    expect([first.state, second.state]).toEqual(['not_paid', 'not_paid']);
    const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
    expect(order!.status).toBe('expired');
    expect(await eventTypes(orderId)).toEqual(['order.closed', 'order.created']);
  });

  it('waits for ops when SumUp will not say, and tells other services so, once', async () => {
    const { orderId, sumupId } = await expiredOrderStillPayable(3);
    await f.control(`/checkouts/${sumupId}/pay`);
    await f.control('/faults', { kind: 'unauthorized', route: 'GET /v0.1/checkouts/:id' });
    const handle = reconcileWorkflowId(orderId);
    const state = await ctx.withWorker(async () => {
      const started = await ctx.temporal.client.workflow.start(reconcileLatePayment, {
        workflowId: handle,
        taskQueue: ctx.taskQueue,
        args: [{ orderId, refundRetry: FAST_REFUND_RETRY }],
      });
      await expect
        .poll(() => eventTypes(orderId), { timeout: 10_000 })
        .toContain('order.needs_attention');
      // A recheck still refused: the same wait, and no second event.
      await started.signal(recheckNowSignal);
      await started.signal(recheckNowSignal);
      await f.control('/faults', undefined, 'DELETE');
      await started.signal(recheckNowSignal);
      return (await started.result()).state;
    }, payments);
    expect(state).toBe('paid');
    expect(await eventTypes(orderId)).toEqual([
      'order.closed',
      'order.created',
      'order.needs_attention',
      'order.paid',
    ]);
  });
});
