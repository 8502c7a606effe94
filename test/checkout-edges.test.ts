import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import { orders, outboxEvents, refunds, tickets } from '../db/schema/index.ts';
import type { checkout } from '../workflows/checkout.ts';
import {
  cancelCheckoutSignal,
  checkoutStatusQuery,
  checkoutWorkflowId,
  recheckNowSignal,
  sumupWebhookSignal,
  type CheckoutInput,
} from '../workflows/checkout-messages.ts';
import {
  completedActivities,
  emulatorSuite,
  shopPayingEmulator,
  startCheckout,
  sumupIdOf,
} from './harness/checkout.ts';
import type { TestContext } from './harness/context.ts';
import { startApi, type TestApi } from './harness/api.ts';
import type { SumupFixture } from './sumup/fixture.ts';

// The money on SumUp's edges: answers that are neither paid nor a retryable outage. Each
// ends in a state ops can find and act on, never in a failed workflow holding seats.

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
emulatorSuite('checkout-edges', (suite) => ({ ctx, f, payments } = suite), { record: true });
let api: TestApi;
beforeAll(async () => {
  api = await startApi(ctx);
});
afterAll(() => api?.close());

const db = () => ctx.database.db;

/** A shopper with one ticket for a gig of `seats`, on a page that refunds automatically. */
async function shopperWithTicket(seats = 1) {
  const shop = await shopPayingEmulator(db(), { seats, autoRefund: true });
  const shopper = { userId: `u-${randomUUID()}` };
  const [ticket] = await shop.addTickets(shopper.userId, 1);
  const input: CheckoutInput = { shopper, scope: { pageId: shop.page.id }, pollInitialMs: 60_000 };
  return { shop, shopper, ticketId: ticket!.id, input };
}

const handleOf = (input: CheckoutInput): WorkflowHandle<typeof checkout> =>
  ctx.temporal.client.workflow.getHandle(checkoutWorkflowId(input.shopper, input.scope));
const stateOf = async (input: CheckoutInput) =>
  (await handleOf(input).query(checkoutStatusQuery)).state;
const ticketState = async (id: number) =>
  (await db().select().from(tickets).where(eq(tickets.id, id)))[0]!.state;
const eventTypes = async (orderId: number) =>
  (await db().select().from(outboxEvents).where(eq(outboxEvents.orderId, orderId)))
    .map((e) => e.type)
    .sort();
const workflowStatus = async (input: CheckoutInput) =>
  (await handleOf(input).describe()).status.name;

describe('SumUp refusing to say how a checkout stands', () => {
  it('holds the seat until the deadline, then releases it and waits in needs_attention (a forgotten checkout: 404)', async () => {
    const { ticketId, input } = await shopperWithTicket();
    await ctx.withWorker(async () => {
      await startCheckout(ctx, { ...input, expiresInMs: 8_000 });
      // SumUp forgets the checkout; then the shopper cancels.
      await f.control('/reset');
      await handleOf(input).signal(cancelCheckoutSignal);
      await expect.poll(() => stateOf(input)).toBe('closing');
      expect(await ticketState(ticketId)).toBe('reserved');

      await expect.poll(() => stateOf(input), { timeout: 20_000 }).toBe('needs_attention');
      const view = await handleOf(input).query(checkoutStatusQuery);
      expect(view.reason).toMatch(/^SumupNotFound: SumUp deactivate checkout answered 404/);
      expect(await ticketState(ticketId)).toBe('pending');
      const [order] = await db().select().from(orders).where(eq(orders.id, view.orderId!));
      expect(order!.status).toBe('cancelled');
      // Other services hear of it: the order closed, and it waits for ops.
      await expect
        .poll(() => eventTypes(view.orderId!), { timeout: 10_000 })
        .toEqual(['order.closed', 'order.created', 'order.needs_attention']);
      const [attention] = await db()
        .select()
        .from(outboxEvents)
        .where(eq(outboxEvents.key, `order.needs_attention:${view.orderId}:${view.workflowId}`));
      expect(attention!.payload).toMatchObject({
        version: 1,
        reason: expect.stringMatching(/^SumupNotFound: /),
        order: { orderId: view.orderId, status: 'cancelled' },
      });

      // Ops find it by its status.
      const found = async () => {
        const ids: string[] = [];
        for await (const w of ctx.temporal.client.workflow.list({
          query: `CheckoutStatus = "needs_attention" AND TaskQueue = "${ctx.taskQueue}"`,
        }))
          ids.push(w.workflowId);
        return ids;
      };
      await expect.poll(found, { timeout: 10_000 }).toContain(view.workflowId);
      // The shopper's cancel changes nothing now, and says so with the reason.
      const cancel = await api.call(`/v1/checkouts/${input.scope.pageId}/cancel`, {
        method: 'POST',
        shopper: input.shopper,
      });
      expect(cancel.status).toBe(409);
      expect(await cancel.json()).toMatchObject({
        code: 'checkout_needs_attention',
        reason: expect.stringMatching(/^SumupNotFound: /),
      });
      // A recheck asks SumUp again (now it answers 401): the reason follows, and it still waits.
      await f.control('/faults', {
        kind: 'unauthorized',
        route: 'DELETE /v0.1/checkouts/:id',
        times: 1,
      });
      await handleOf(input).signal(recheckNowSignal);
      await expect
        .poll(async () => (await handleOf(input).query(checkoutStatusQuery)).reason, {
          timeout: 10_000,
        })
        .toMatch(/^SumupCredentialsError: /);
      expect(await stateOf(input)).toBe('needs_attention');
      expect(await workflowStatus(input)).toBe('RUNNING');
      await handleOf(input).terminate('test over');
    }, payments);
  });

  it('confirms, on the recheck after SumUp answers again, a payment taken while its key was refused (401)', async () => {
    const { ticketId, input } = await shopperWithTicket();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, { ...input, expiresInMs: 3_000 });
      // The page's key is refused from now on, for reads and closing alike; the shopper pays
      // on the hosted page meanwhile, and SumUp's webhook comes.
      for (const route of ['GET /v0.1/checkouts/:id', 'DELETE /v0.1/checkouts/:id']) {
        await f.control('/faults', { kind: 'unauthorized', route });
      }
      expect((await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`)).status).toBe(
        200,
      );
      await handleOf(input).signal(sumupWebhookSignal);
      await expect.poll(() => stateOf(input), { timeout: 20_000 }).toBe('needs_attention');
      expect((await handleOf(input).query(checkoutStatusQuery)).reason).toMatch(
        /^SumupCredentialsError: /,
      );
      expect(await ticketState(ticketId)).toBe('pending');

      // The key is fixed; ops recheck, and find the payment.
      await f.control('/faults', undefined, 'DELETE');
      await handleOf(input).signal(recheckNowSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('paid');
    expect(result.reason).toBeUndefined();
    expect(await ticketState(ticketId)).toBe('confirmed');
  });
});

describe('a declined card', () => {
  it('is not the end before the deadline: the shopper pays with another card, and it confirms', async () => {
    const { ticketId, input } = await shopperWithTicket();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, input);
      const sumupId = sumupIdOf(view.hostedCheckoutUrl!);
      await f.control(`/checkouts/${sumupId}/fail`);
      await handleOf(input).signal(sumupWebhookSignal);
      // The workflow has read the FAILED checkout, and goes on waiting with the seat held.
      await expect.poll(() => completedActivities(handleOf(input), 'readAndConfirm')).toBe(1);
      expect(await stateOf(input)).toBe('awaiting_payment');
      expect(await ticketState(ticketId)).toBe('reserved');

      await f.control(`/checkouts/${sumupId}/pay`);
      await handleOf(input).signal(sumupWebhookSignal);
      return handleOf(input).result();
    }, payments);
    expect(result.state).toBe('paid');
    expect(await ticketState(ticketId)).toBe('confirmed');
  });
});

describe('a payment that is not the order’s', () => {
  it('is never confirmed: it is refunded in full, exactly once, and ends as payment_mismatch', async () => {
    const { ticketId, input } = await shopperWithTicket();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, input);
      const sumupId = sumupIdOf(view.hostedCheckoutUrl!);
      // SumUp reports another amount than the order's 15.00.
      await f.control(`/checkouts/${sumupId}`, { amount_minor: 999 }, 'PATCH');
      await f.control(`/checkouts/${sumupId}/pay`);
      await handleOf(input).signal(sumupWebhookSignal);
      return handleOf(input).result();
    }, payments);
    expect(result).toMatchObject({ state: 'payment_mismatch', reason: 'payment_mismatch: amount' });
    expect(result.paid).toBeUndefined();

    const [order] = await db().select().from(orders).where(eq(orders.id, result.orderId!));
    expect([order!.status, order!.refundState]).toEqual(['failed', 'refunded']);
    expect(await ticketState(ticketId)).toBe('pending');
    const owed = await db()
      .select()
      .from(refunds)
      .where(and(eq(refunds.orderId, result.orderId!), eq(refunds.key, 'payment-mismatch')));
    expect(owed.map((r) => [r.amountMinor, r.status])).toEqual([[999, 'issued']]);
    const transaction = f.emulator.store.find(sumupIdOf(result.hostedCheckoutUrl!))!
      .transactions[0]!;
    expect([transaction.status, transaction.refundedMinor]).toEqual(['REFUNDED', 999]);
    expect(await eventTypes(result.orderId!)).toEqual([
      'order.closed',
      'order.created',
      'order.payment_mismatch',
      'order.refunded',
    ]);
  });
});

describe('a full refund whose answer is lost', () => {
  it('is read back from SumUp and never sent again: the shopper is paid back once', async () => {
    const { input } = await shopperWithTicket();
    await f.control('/faults', {
      kind: 'created-then-error',
      route: 'POST /v1.0/merchants/:merchantCode/payments/:transactionId/refunds',
      times: 1,
    });
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, {
        ...input,
        refundRetry: { maximumAttempts: 3, initialIntervalMs: 100 },
      });
      const sumupId = sumupIdOf(view.hostedCheckoutUrl!);
      await f.control(`/checkouts/${sumupId}`, { amount_minor: 1200 }, 'PATCH');
      await f.control(`/checkouts/${sumupId}/pay`);
      await handleOf(input).signal(sumupWebhookSignal);
      return handleOf(input).result();
    }, payments);
    // Resent, the full refund would have met SumUp's 409 and asked ops for money already back.
    expect(result.state).toBe('payment_mismatch');
    expect(Object.keys(result.steps)).not.toContain('refund_due');
    const transaction = f.emulator.store.find(sumupIdOf(result.hostedCheckoutUrl!))!
      .transactions[0]!;
    expect(transaction.refunds.map((r) => r.amountMinor)).toEqual([1200]);
    const [order] = await db().select().from(orders).where(eq(orders.id, result.orderId!));
    expect(order!.refundState).toBe('refunded');
  });
});

describe('creating the SumUp checkout', () => {
  it('gives up at the creation deadline while SumUp is down: the claims go back and the workflow completes', async () => {
    const { ticketId, input } = await shopperWithTicket();
    await f.control('/faults', { kind: 'server-error', route: 'POST /v0.1/checkouts' });
    try {
      await ctx.withWorker(async () => {
        const started = Date.now();
        const view = await startCheckout(ctx, { ...input, creationTimeoutMs: 2_000 });
        expect(Date.now() - started).toBeLessThan(8_000);
        expect(view).toMatchObject({ state: 'failed', reason: 'payment_provider_unavailable' });
        expect(view.hostedCheckoutUrl).toBeUndefined();
        await handleOf(input).result();
      }, payments);
    } finally {
      await f.control('/faults', undefined, 'DELETE');
    }
    expect(await workflowStatus(input)).toBe('COMPLETED');
    expect(await ticketState(ticketId)).toBe('pending');
  });

  it('ends the checkout, not the workflow, when SumUp refuses for good', async () => {
    const { ticketId, input } = await shopperWithTicket();
    await f.control('/faults', { kind: 'unauthorized', route: 'POST /v0.1/checkouts' });
    try {
      const view = await ctx.withWorker(async () => {
        const answer = await startCheckout(ctx, input);
        await handleOf(input).result();
        return answer;
      }, payments);
      expect(view).toMatchObject({ state: 'failed', reason: 'payment_provider_refused' });
    } finally {
      await f.control('/faults', undefined, 'DELETE');
    }
    expect(await workflowStatus(input)).toBe('COMPLETED');
    expect(await ticketState(ticketId)).toBe('pending');
  });
});
