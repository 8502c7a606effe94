import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import { orders, tickets } from '../db/schema/index.ts';
import { registerPaymentSweep } from '../worker/payment-sweep.ts';
import { checkoutWorkflowId, type CheckoutInput } from '../workflows/checkout-messages.ts';
import { reconcileWorkflowId } from '../workflows/reconcile-late-payment.ts';
import { sweepPayments, type SweepPaymentsInput } from '../workflows/sweep-payments.ts';
import {
  emulatorSuite,
  expiredOrderStillOpenAtSumup,
  shopPayingEmulator,
  startCheckout,
  sumupIdOf,
} from './harness/checkout.ts';
import type { TestContext } from './harness/context.ts';
import type { SumupFixture } from './sumup/fixture.ts';

// The payments sweeper: what it finds, what it starts, and that a healthy stack gives it
// nothing. SumUp's webhooks go nowhere here (the emulator posts to a closed port), as when
// SumUp gave up on them.

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
emulatorSuite('checkout-sweep', (suite) => ({ ctx, f, payments } = suite));

const db = () => ctx.database.db;
const sweep = (input: SweepPaymentsInput = {}) =>
  ctx.temporal.client.workflow.execute(sweepPayments, {
    workflowId: `sweep-${randomUUID()}`,
    taskQueue: ctx.taskQueue,
    args: [input],
  });
const reconciled = (orderId: number) =>
  ctx.temporal.client.workflow.getHandle(reconcileWorkflowId(orderId)).result();
const orderOf = async (id: number) =>
  (await db().select().from(orders).where(eq(orders.id, id)))[0]!;
const ticketState = async (id: number) =>
  (await db().select().from(tickets).where(eq(tickets.id, id)))[0]!.state;

describe('the payments sweeper', () => {
  it('finds nothing in a healthy stack: paid orders and closed unpaid ones stay as they are', async () => {
    const shop = await shopPayingEmulator(db(), { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addTickets(shopper.userId, 1);
    const input: CheckoutInput = { shopper, scope: { pageId: shop.page.id }, expiresInMs: 1_000 };
    const result = await ctx.withWorker(async () => {
      await startCheckout(ctx, input);
      await ctx.temporal.client.workflow
        .getHandle(checkoutWorkflowId(shopper, input.scope))
        .result();
      return sweep();
    }, payments);
    expect(result).toEqual({
      checked: 1,
      found: 0,
      started: 0,
      alreadyRunning: 0,
      rateLimited: false,
    });
  });

  it('confirms a payment SumUp took after the checkout gave up, whose webhook never came', async () => {
    const { orderId, ticket, sumupId } = await expiredOrderStillOpenAtSumup(db(), payments, 3);
    await f.control(`/checkouts/${sumupId}/pay`);
    await ctx.withWorker(async () => {
      expect(await sweep()).toMatchObject({ found: 1, started: 1, rateLimited: false });
      expect(await reconciled(orderId)).toMatchObject({ state: 'paid' });
      // Ops find the runs that found something by their figures.
      const runs = async () => {
        const found: number[] = [];
        for await (const w of ctx.temporal.client.workflow.list({
          query: `SweepFound > 0 AND SweepStarted = 1 AND TaskQueue = "${ctx.taskQueue}"`,
        }))
          found.push(...((w.searchAttributes.SweepChecked as number[] | undefined) ?? []));
        return found;
      };
      await expect.poll(runs, { timeout: 10_000 }).toHaveLength(1);
      // Settled: the next run finds nothing.
      expect(await sweep()).toMatchObject({ found: 0, started: 0 });
    }, payments);
    expect((await orderOf(orderId)).status).toBe('paid');
    expect(await ticketState(ticket.id)).toBe('confirmed');
  });

  it('closes a pending order whose checkout was terminated, giving its seat back, or confirms it if it was paid', async () => {
    const shop = await shopPayingEmulator(db(), { seats: 5 });
    const [unpaid, paid] = [{ userId: `u-${randomUUID()}` }, { userId: `u-${randomUUID()}` }];
    const [unpaidTicket] = await shop.addTickets(unpaid.userId, 1);
    const [paidTicket] = await shop.addTickets(paid.userId, 1);
    await ctx.withWorker(async () => {
      const views = [];
      for (const shopper of [unpaid, paid]) {
        const view = await startCheckout(ctx, { shopper, scope: { pageId: shop.page.id } });
        views.push(view);
      }
      // The shopper pays, but the checkout is terminated before anyone reads SumUp.
      await f.control(`/checkouts/${sumupIdOf(views[1]!.hostedCheckoutUrl!)}/pay`);
      for (const view of views) {
        await ctx.temporal.client.workflow.getHandle(view.workflowId).terminate('lost');
      }
      expect(await ticketState(unpaidTicket!.id)).toBe('reserved');

      expect(await sweep({ stalePendingMs: 0 })).toMatchObject({ found: 2, started: 2 });
      expect(await reconciled(views[0]!.orderId!)).toMatchObject({ state: 'expired' });
      expect(await reconciled(views[1]!.orderId!)).toMatchObject({ state: 'paid' });
      expect((await f.sdk().checkouts.get(sumupIdOf(views[0]!.hostedCheckoutUrl!))).status).toBe(
        'EXPIRED',
      );
      expect((await orderOf(views[0]!.orderId!)).status).toBe('expired');
    }, payments);
    expect(await ticketState(unpaidTicket!.id)).toBe('pending');
    expect(await ticketState(paidTicket!.id)).toBe('confirmed');
  });

  it("stops at SumUp's 429, searchable as rate_limited, and the next run goes on", async () => {
    const late = await expiredOrderStillOpenAtSumup(db(), payments, 3);
    await f.control(`/checkouts/${late.sumupId}/pay`);
    await f.control('/faults', {
      kind: 'rate-limit',
      route: 'GET /v0.1/checkouts/:id',
      times: 1,
    });
    await ctx.withWorker(async () => {
      expect(await sweep()).toMatchObject({ checked: 0, found: 0, rateLimited: true });
      const outcomes = async () => {
        const found: string[] = [];
        for await (const w of ctx.temporal.client.workflow.list({
          query: `SweepOutcome = "rate_limited" AND TaskQueue = "${ctx.taskQueue}"`,
        }))
          found.push(w.workflowId);
        return found.length;
      };
      await expect.poll(outcomes, { timeout: 10_000 }).toBe(1);
      expect(await sweep()).toMatchObject({ found: 1, started: 1, rateLimited: false });
      expect(await reconciled(late.orderId)).toMatchObject({ state: 'paid' });
    }, payments);
  });

  it('is one Temporal Schedule, which every worker registers on start at its interval', async () => {
    const register = (everyMinutes: number) =>
      registerPaymentSweep({
        connection: ctx.temporal.nativeConnection,
        namespace: 'default',
        taskQueue: ctx.taskQueue,
        everyMinutes,
      });
    const [first, second] = await Promise.all([register(5), register(5)]);
    expect(second).toBe(first);
    await register(7);
    const handle = ctx.temporal.client.schedule.getHandle(first);
    try {
      const described = await handle.describe();
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([7 * 60_000]);
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'sweepPayments',
        taskQueue: ctx.taskQueue,
      });
    } finally {
      await handle.delete();
    }
  });
});
