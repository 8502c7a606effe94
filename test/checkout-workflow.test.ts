import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import { calendarEntries, orders, outboxEvents, tickets } from '../db/schema/index.ts';
import { orderWorkflowId } from '../workflows/order-messages.ts';
import type { checkout } from '../workflows/checkout.ts';
import {
  cancelCheckoutSignal,
  checkoutStatusQuery,
  checkoutWorkflowId,
  shopperReturnedSignal,
  sumupWebhookSignal,
  type CheckoutInput,
} from '../workflows/checkout-messages.ts';
import type { TestContext } from './harness/context.ts';
import {
  completedActivities,
  emulatorSuite,
  shopPayingEmulator,
  startCheckout,
  sumupIdOf,
} from './harness/checkout.ts';
import type { SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
emulatorSuite('checkout-workflow', (suite) => ({ ctx, f, payments } = suite), { record: true });

const db = () => ctx.database.db;

/** A shop whose page pays the emulator's merchant, and a shopper with two tickets and a mug. */
async function shopperWithCart(seats = 10) {
  const shop = await shopPayingEmulator(db(), { seats });
  const shopper = { userId: `u-${randomUUID()}` };
  await shop.addMug(shopper);
  const held = await shop.addTickets(shopper.userId, 2);
  const input: CheckoutInput = { shopper, scope: { pageId: shop.page.id }, pollInitialMs: 60_000 };
  return { shop, shopper, held, input };
}

const handleOf = (input: CheckoutInput): WorkflowHandle<typeof checkout> =>
  ctx.temporal.client.workflow.getHandle(checkoutWorkflowId(input.shopper, input.scope));

const ticketStates = async (ids: number[]) =>
  (await db().select().from(tickets)).filter((t) => ids.includes(t.id)).map((t) => t.state);
const eventCount = async (orderId: number, type: string) =>
  (
    await db()
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.orderId, orderId), eq(outboxEvents.type, type)))
  ).length;

describe('the checkout workflow', () => {
  it('answers the hosted URL at once, and confirms on the webhook', async () => {
    const { held, input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, input);
      expect(view).toMatchObject({
        state: 'awaiting_payment',
        totalMinor: 850 + 2 * 1500,
        currency: 'GBP',
      });
      expect(view.hostedCheckoutUrl).toMatch(`${f.emulator.url}/pay/c-`);
      // Asking again attaches to the same checkout.
      expect((await startCheckout(ctx, input)).orderId).toBe(view.orderId);

      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
      await handleOf(input).signal(sumupWebhookSignal);
      return handleOf(input).result();
    }, payments);

    expect(result).toMatchObject({ state: 'paid', paid: { unhonoured: [] } });
    expect(Object.keys(result.steps)).toEqual(
      expect.arrayContaining([
        'creating_order',
        'claiming',
        'creating_payment',
        'awaiting_payment',
        'paid',
      ]),
    );
    const [order] = await db().select().from(orders).where(eq(orders.id, result.orderId!));
    expect(order!.status).toBe('paid');
    expect(await ticketStates(held.map((t) => t.id))).toEqual(['confirmed', 'confirmed']);

    // Ops find it in the Temporal UI by its order, and see where it ended.
    const found = async () => {
      const rows: unknown[] = [];
      for await (const w of ctx.temporal.client.workflow.list({
        // Order ids restart in every test file's database; task queues do not.
        query: `OrderId = "${result.orderId}" AND TaskQueue = "${ctx.taskQueue}"`,
      })) {
        rows.push([w.workflowId, w.searchAttributes.CheckoutStatus]);
      }
      return rows;
    };
    await expect.poll(found, { timeout: 10_000 }).toEqual([[result.workflowId, ['paid']]]);
  });

  it('finds the payment by polling when the webhook is lost', async () => {
    const { input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, { ...input, pollInitialMs: 200, pollMaxMs: 400 });
      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('paid');
  });

  it('confirms once however often the webhook and the shopper come back', async () => {
    const { input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, input);
      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
      const handle = handleOf(input);
      await Promise.all([
        ...Array.from({ length: 10 }, () => handle.signal(sumupWebhookSignal)),
        handle.signal(shopperReturnedSignal),
      ]);
      return handle.result();
    }, payments);
    expect(result.state).toBe('paid');
    expect(await eventCount(result.orderId!, 'order.paid')).toBe(1);
  });

  it('confirms nothing on a forged webhook for an unpaid checkout', async () => {
    const { held, input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      await startCheckout(ctx, input);
      const handle = handleOf(input);
      await handle.signal(sumupWebhookSignal);
      // The signal made the workflow read SumUp, which says unpaid: it keeps waiting.
      await expect.poll(() => completedActivities(handle, 'readAndConfirm')).toBe(1);
      expect((await handle.query(checkoutStatusQuery)).state).toBe('awaiting_payment');
      expect(await ticketStates(held.map((t) => t.id))).toEqual(['reserved', 'reserved']);
      await handle.signal(cancelCheckoutSignal);
      return handle.result();
    }, payments);
    expect(result.state).toBe('cancelled');
    expect(await eventCount(result.orderId!, 'order.paid')).toBe(0);
  });

  it('releases the claims when the payment has failed by the deadline', async () => {
    const { held, input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      // A declined card is not the end until the checkout expires.
      const view = await startCheckout(ctx, { ...input, expiresInMs: 2_000 });
      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/fail`);
      await handleOf(input).signal(sumupWebhookSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('failed');
    expect(await ticketStates(held.map((t) => t.id))).toEqual(['pending', 'pending']);
    const [order] = await db().select().from(orders).where(eq(orders.id, result.orderId!));
    expect(order!.status).toBe('failed');
  });

  it('lets the shopper cancel, closing the SumUp checkout', async () => {
    const { held, input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      await startCheckout(ctx, input);
      await handleOf(input).signal(cancelCheckoutSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('cancelled');
    expect(await ticketStates(held.map((t) => t.id))).toEqual(['pending', 'pending']);
    expect((await f.sdk().checkouts.get(sumupIdOf(result.hostedCheckoutUrl!))).status).toBe(
      'EXPIRED',
    );
  });

  it('keeps a payment that lands just before the checkout is closed', async () => {
    const { input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, input);
      // Paid, but no webhook yet; then the shopper's cancel arrives.
      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
      await handleOf(input).signal(cancelCheckoutSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('paid');
  });

  it('expires, releasing the claims', async () => {
    const { held, input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      await startCheckout(ctx, { ...input, expiresInMs: 1_500, pollInitialMs: 500 });
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('expired');
    expect(await ticketStates(held.map((t) => t.id))).toEqual(['pending', 'pending']);
  });

  it('ends at once for an empty cart, and names the lines that cannot be had', async () => {
    const empty = { shopper: { sessionId: `s-${randomUUID()}` }, scope: { pageId: null } };
    const soldOut = await shopperWithCart(1);
    const [emptyView, soldOutView] = await ctx.withWorker(
      () => Promise.all([startCheckout(ctx, empty), startCheckout(ctx, soldOut.input)]),
      payments,
    );
    expect(emptyView.state).toBe('empty');
    expect(soldOutView).toMatchObject({
      state: 'unavailable',
      problems: [{ kind: 'ticket', id: soldOut.held[1]!.id, reason: 'sold_out' }],
    });
    expect(soldOutView.hostedCheckoutUrl).toBeUndefined();
  });

  it('rides out SumUp answering 5xx and timing out, with one SumUp checkout for the order', async () => {
    const { input } = await shopperWithCart();
    // First attempt: a plain 5xx. The retry: SumUp creates it, then answers 5xx anyway.
    await f.control('/faults', { kind: 'server-error', route: 'POST /v0.1/checkouts', times: 1 });
    await f.control('/faults', {
      kind: 'created-then-error',
      route: 'POST /v0.1/checkouts',
      times: 1,
    });
    await f.control('/faults', {
      kind: 'latency',
      delayMs: 2_500,
      route: 'GET /v0.1/checkouts/:id',
      times: 1,
    });
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, input);
      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
      await handleOf(input).signal(sumupWebhookSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('paid');
    const [order] = await db().select().from(orders).where(eq(orders.id, result.orderId!));
    const sumupCheckouts = await f
      .sdk()
      .checkouts.list({ checkout_reference: order!.checkoutReference! });
    expect(sumupCheckouts.map((c) => c.id)).toEqual([order!.sumupCheckoutId]);
    // Every fault was met.
    expect(await (await f.control('/faults', undefined, 'GET')).json()).toEqual([]);
  });

  it('confirms exactly the capacity when two shoppers race for the last ticket', async () => {
    const shop = await shopPayingEmulator(db(), { seats: 1 });
    const inputs = await Promise.all(
      [1, 2].map(async () => {
        const shopper = { userId: `u-${randomUUID()}` };
        await shop.addTickets(shopper.userId, 1);
        const input: CheckoutInput = {
          shopper,
          scope: { pageId: shop.page.id },
          pollInitialMs: 60_000,
        };
        return input;
      }),
    );
    const results = await ctx.withWorker(async () => {
      const views = await Promise.all(inputs.map((input) => startCheckout(ctx, input)));
      return Promise.all(
        views.map(async (view, i) => {
          if (view.hostedCheckoutUrl) {
            await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl)}/pay`);
            await handleOf(inputs[i]!).signal(sumupWebhookSignal);
          }
          return handleOf(inputs[i]!).result();
        }),
      );
    }, payments);
    expect(results.map((r) => r.state).sort()).toEqual(['paid', 'unavailable']);
    const seats = await db()
      .select()
      .from(tickets)
      .where(eq(tickets.ticketTypeId, shop.standing.id));
    expect(seats.map((t) => t.state).sort()).toEqual(['confirmed', 'pending']);
  });

  it('confirms when the shopper comes back from SumUp, with no webhook at all', async () => {
    const { input } = await shopperWithCart();
    const result = await ctx.withWorker(async () => {
      // Two storefront requests at once attach to one checkout.
      const [view, same] = await Promise.all([
        startCheckout(ctx, input),
        startCheckout(ctx, input),
      ]);
      expect(same.orderId).toBe(view.orderId);
      await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
      await handleOf(input).signal(shopperReturnedSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('paid');
    const ordersOfShopper = await db()
      .select()
      .from(orders)
      .where(eq(orders.workflowId, result.workflowId));
    expect(ordersOfShopper).toHaveLength(1);
  });

  it("hands a paid booking to the order's own workflow, which outlives the checkout and answers it when the organiser does not", async () => {
    const shop = await shopPayingEmulator(db(), { seats: 1 });
    const shopper = { userId: `u-${randomUUID()}` };
    const entry = await shop.addBooking(shopper);
    const input: CheckoutInput = {
      shopper,
      scope: { pageId: shop.page.id },
      pollInitialMs: 60_000,
    };
    await ctx.withWorker(
      async () => {
        const view = await startCheckout(ctx, input);
        await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
        await handleOf(input).signal(sumupWebhookSignal);
        const result = await handleOf(input).result();
        expect(result).toMatchObject({
          state: 'paid',
          paid: { unhonoured: [], provisional: [entry.id] },
        });
        const orderWorkflow = ctx.temporal.client.workflow.getHandle(
          orderWorkflowId(result.orderId!),
        );
        const described = await orderWorkflow.describe();
        expect([described.status.name, described.parentExecution?.workflowId]).toEqual([
          'RUNNING',
          result.workflowId,
        ]);
        // The page's default policy accepts, once the organiser's time is up.
        await expect
          .poll(
            async () =>
              (
                await db().select().from(calendarEntries).where(eq(calendarEntries.id, entry.id))
              )[0]!.state,
            { timeout: 15_000 },
          )
          .toBe('confirmed');
        // It would end on its own once idle; ended now, its history is kept for the replay test.
        await orderWorkflow.terminate('recorded for the replay test');
      },
      payments,
      { provisionalDays: 1_000 / 86_400_000 },
    );
  });
});
