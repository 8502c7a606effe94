import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import {
  adminAudit,
  calendarEntries,
  orderItems,
  orders,
  outboxEvents,
  pages,
  refunds,
  type UnansweredBookingPolicy,
  tickets,
} from '../db/schema/index.ts';
import { sumupWebhookSignal } from '../workflows/checkout-messages.ts';
import type { checkout } from '../workflows/checkout.ts';
import { startApi, type TestApi } from './harness/api.ts';
import {
  completedActivities,
  emulatorSuite,
  shopPayingEmulator,
  startCheckout,
  sumupIdOf,
} from './harness/checkout.ts';
import { orderWorkflowId } from '../workflows/order-messages.ts';
import { UNANSWERED_REASON } from '../activities/calendar/bookings.ts';
import type { TestContext } from './harness/context.ts';
import type { SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
let api: TestApi;
emulatorSuite('api-admin-refunds', (suite) => ({ ctx, f, payments } = suite));
beforeAll(async () => {
  api = await startApi(ctx);
});
afterAll(() => api?.close());

const db = () => ctx.database.db;

/**
 * A paid order through the real checkout and the emulator: 3 mugs (850 each) and 2 tickets
 * (1500 each) on a page that does not refund on its own. Runs `then` with the worker up.
 */
async function withPaidOrder(
  then: (order: {
    orderId: number;
    sumupId: string;
    items: (typeof orderItems.$inferSelect)[];
    shopper: { userId: string };
    checkoutWorkflowId: string;
  }) => Promise<void>,
  options: {
    booking?: boolean;
    /** What the booking costs; 4000 unless given. */
    bookingCostMinor?: number;
    /** The page's policy for bookings left unanswered. */
    unanswered?: UnansweredBookingPolicy;
    /** PROVISIONAL_BOOKING_DAYS, in ms here; a week unless given. */
    answerWithinMs?: number;
  } = {},
) {
  const shop = await shopPayingEmulator(db(), { seats: 5 });
  if (options.unanswered) {
    await db()
      .update(pages)
      .set({ unansweredBookings: options.unanswered })
      .where(eq(pages.id, shop.page.id));
  }
  const shopper = { userId: `u-${randomUUID()}` };
  await shop.addMug(shopper, 3);
  await shop.addTickets(shopper.userId, 2);
  if (options.booking) await shop.addBooking(shopper, options.bookingCostMinor);
  await ctx.withWorker(
    async () => {
      const input = { shopper, scope: { pageId: shop.page.id } };
      const view = await startCheckout(ctx, input);
      const sumupId = sumupIdOf(view.hostedCheckoutUrl!);
      await f.control(`/checkouts/${sumupId}/pay`);
      await ctx.temporal.client.workflow.getHandle(view.workflowId).signal(sumupWebhookSignal);
      await expect
        .poll(
          async () =>
            (
              await ctx.temporal.client.workflow
                .getHandle<typeof checkout>(view.workflowId)
                .result()
            ).state,
        )
        .toBe('paid');
      const items = await db()
        .select()
        .from(orderItems)
        .where(eq(orderItems.orderId, view.orderId!))
        .orderBy(orderItems.id);
      await then({
        orderId: view.orderId!,
        sumupId,
        items,
        shopper,
        checkoutWorkflowId: view.workflowId,
      });
    },
    payments,
    options.answerWithinMs ? { provisionalDays: options.answerWithinMs / 86_400_000 } : undefined,
  );
}

/** A fresh Idempotency-Key: a new action, as an admin's every click is. */
const newKey = () => ({ 'idempotency-key': randomUUID() });
/** An admin's POST, with a fresh key unless `headers` say otherwise (`{}`: none). */
const post = (path: string, body: object, headers: Record<string, string> = newKey()) =>
  api.admin(path, { method: 'POST', body: JSON.stringify(body), headers });
const refund = (orderId: number, body: object, headers?: Record<string, string>) =>
  post(`/v1/admin/orders/${orderId}/refunds`, body, headers);
const cancel = (orderId: number, body: object, headers?: Record<string, string>) =>
  post(`/v1/admin/orders/${orderId}/cancel`, body, headers);
const decline = (entryId: number, body: object, headers?: Record<string, string>) =>
  post(`/v1/admin/bookings/${entryId}/decline`, body, headers);
interface Answer {
  code: string;
  /** Absent from an answer that is not a problem. */
  fields?: { field: string }[];
  amountLeftMinor?: number;
}
const answerOf = async (res: Response) => [res.status, (await res.json()) as Answer] as const;
const bookingOf = (items: (typeof orderItems.$inferSelect)[]) =>
  items.find((i) => i.kind === 'booking')!.calendarEntryId!;
const entryState = async (id: number) =>
  (await db().select().from(calendarEntries).where(eq(calendarEntries.id, id)))[0]!.state;
/** The order's booking events: which, and who decided. */
const bookingEvents = async (orderId: number) =>
  (await db().select().from(outboxEvents).where(eq(outboxEvents.orderId, orderId)))
    .filter((e) => e.type.startsWith('booking.'))
    .map((e) => ({ type: e.type, decidedBy: (e.payload as { decidedBy: string }).decidedBy }));
const refundedAtSumup = (sumupId: string) =>
  f.emulator.store.find(sumupId)!.transactions[0]!.refunds.map((r) => r.amountMinor);

describe('refunding a paid order', () => {
  it('refunds part of a line, a ticket (its seat freed) and a goodwill amount, once each at SumUp, and refuses what does not fit', async () => {
    await withPaidOrder(async ({ orderId, sumupId, items }) => {
      const [mugs, ticket] = [
        items.find((i) => i.kind === 'product')!,
        items.find((i) => i.kind === 'ticket')!,
      ];
      expect(
        await answerOf(
          await refund(orderId, { lines: [{ itemId: mugs.id, quantity: 1 }], reason: 'chipped' }),
        ),
      ).toEqual([
        202,
        { refundId: expect.any(Number), state: 'due', amountMinor: 850, currency: 'GBP' },
      ]);
      const ticketRefund = await refund(orderId, {
        lines: [{ itemId: ticket.id }],
        reason: 'cannot come',
      });
      expect(ticketRefund.status).toBe(202);
      await ticketRefund.arrayBuffer();
      const [freed] = await db().select().from(tickets).where(eq(tickets.id, ticket.ticketId!));
      expect(freed!.state).toBe('cancelled');
      expect(
        (await refund(orderId, { amountMinor: 100, reason: 'sorry for the wait' })).status,
      ).toBe(202);
      await expect
        .poll(() => refundedAtSumup(sumupId).sort(), { timeout: 15_000 })
        .toEqual([100, 1500, 850].sort());

      // Refused, changing nothing: with the field at fault, and what is left to refund.
      const total = 3 * 850 + 2 * 1500;
      const left = total - 850 - 1500 - 100;
      const cases: [object, number, string, string | undefined][] = [
        [{ amountMinor: left + 1, reason: 'x' }, 409, 'refund_exceeds_paid', 'body.amountMinor'],
        [
          { lines: [{ itemId: ticket.id }], reason: 'x' },
          409,
          'line_already_refunded',
          'body.lines[0].itemId',
        ],
        [
          { lines: [{ itemId: 999_999 }], reason: 'x' },
          400,
          'unknown_item',
          'body.lines[0].itemId',
        ],
        [
          { lines: [{ itemId: mugs.id, quantity: 3 }], reason: 'x' },
          400,
          'quantity_above_bought',
          'body.lines[0].quantity',
        ],
        [{ amountMinor: -5, reason: 'x' }, 400, 'invalid_input', undefined],
      ];
      for (const [body, status, code, field] of cases) {
        const [got, problem] = await answerOf(await refund(orderId, body));
        expect([got, problem.code], JSON.stringify(body)).toEqual([status, code]);
        if (field) expect(problem.fields?.[0]?.field).toBe(field);
        if (code === 'refund_exceeds_paid') expect(problem.amountLeftMinor).toBe(left);
      }

      // Cancel: all that is left, once; then nothing is.
      const cancelled = await cancel(orderId, { reason: 'event moved' });
      expect(await cancelled.json()).toMatchObject({ state: 'due', amountMinor: left });
      const again = await cancel(orderId, { reason: 'twice' });
      expect(((await again.json()) as { code: string }).code).toBe('nothing_left_to_refund');
      await expect
        .poll(() => refundedAtSumup(sumupId).reduce((a, b) => a + b, 0), { timeout: 15_000 })
        .toBe(total);
      const events = await db()
        .select({ type: outboxEvents.type })
        .from(outboxEvents)
        .where(eq(outboxEvents.orderId, orderId));
      expect(events.map((e) => e.type)).toContain('order.cancelled');
      expect(events.filter((e) => e.type === 'order.refunded').length).toBeGreaterThanOrEqual(4);
    });
  });

  it('lets one of two admins refunding the same line at once win; SumUp is asked once', async () => {
    await withPaidOrder(async ({ orderId, sumupId, items }) => {
      const ticket = items.find((i) => i.kind === 'ticket')!;
      const answers = await Promise.all(
        [1, 2].map(() => refund(orderId, { lines: [{ itemId: ticket.id }], reason: 'duplicate' })),
      );
      const statuses = answers.map((a) => a.status).sort();
      await Promise.all(answers.map((a) => a.arrayBuffer()));
      expect(statuses).toEqual([202, 409]);
      await expect.poll(() => refundedAtSumup(sumupId), { timeout: 15_000 }).toEqual([1500]);
      expect(await db().select().from(refunds).where(eq(refunds.orderId, orderId))).toHaveLength(1);
    });
  });

  it('refuses a checked-in ticket unless forced, and a retry with the same Idempotency-Key is the same refund', async () => {
    await withPaidOrder(async ({ orderId, sumupId, items }) => {
      const ticket = items.find((i) => i.kind === 'ticket')!;
      const [row] = await db().select().from(tickets).where(eq(tickets.id, ticket.ticketId!));
      const checkIn = await api.admin(`/v1/admin/tickets/${row!.code}/check-in`, {
        method: 'POST',
        body: '{}',
      });
      expect(checkIn.status).toBe(200);
      await checkIn.arrayBuffer();
      const [status, problem] = await answerOf(
        await refund(orderId, { lines: [{ itemId: ticket.id }], reason: 'x' }),
      );
      expect([status, problem.code]).toEqual([409, 'ticket_checked_in']);
      const key = { 'idempotency-key': randomUUID() };
      const body = { lines: [{ itemId: ticket.id }], reason: 'left early', force: true };
      const [first, retry] = [await refund(orderId, body, key), await refund(orderId, body, key)];
      const [a, b] = [await first.json(), await retry.json()];
      expect([first.status, retry.status]).toEqual([202, 202]);
      expect((b as { refundId: number }).refundId).toBe((a as { refundId: number }).refundId);
      await expect.poll(() => refundedAtSumup(sumupId), { timeout: 15_000 }).toEqual([1500]);
    });
  });

  it('accepts a provisional booking, or declines it: refunded, its time freed, the reason on the order', async () => {
    await withPaidOrder(
      async ({ items }) => {
        const entryId = bookingOf(items);
        expect(await entryState(entryId)).toBe('provisional');
        const accepted = await api.admin(`/v1/admin/bookings/${entryId}/accept`, {
          method: 'POST',
        });
        expect(await accepted.json()).toEqual({ entryId, state: 'confirmed' });
        expect(await entryState(entryId)).toBe('confirmed');
        const again = await decline(entryId, { reason: 'too late' });
        const [status, problem] = await answerOf(again);
        expect([status, problem.code, problem.fields?.[0]?.field]).toEqual([
          409,
          'booking_not_provisional',
          'path.entryId',
        ]);
      },
      { booking: true },
    );
    await withPaidOrder(
      async ({ orderId, sumupId, items, shopper }) => {
        const entryId = bookingOf(items);
        const declined = await decline(entryId, { reason: 'The room is closed that day' });
        expect(await declined.json()).toMatchObject({ state: 'due', amountMinor: 4000 });
        expect(await entryState(entryId)).toBe('declined');
        await expect.poll(() => refundedAtSumup(sumupId), { timeout: 15_000 }).toEqual([4000]);
        // The shopper's order says why.
        const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
        const view = (await (
          await api.call(`/v1/orders/${order!.publicToken}`, { shopper })
        ).json()) as { refunds: { reason: string }[] };
        expect(view.refunds.map((r) => r.reason)).toEqual(['The room is closed that day']);
        const types = await db()
          .select({ type: outboxEvents.type })
          .from(outboxEvents)
          .where(eq(outboxEvents.orderId, orderId));
        expect(types.map((t) => t.type)).toContain('booking.declined');
      },
      { booking: true },
    );
    const unknown = await api.admin('/v1/admin/bookings/999999/accept', { method: 'POST' });
    expect(unknown.status).toBe(404);
    await unknown.arrayBuffer();
  });

  it("answers a booking the organiser left unanswered by the page's policy, through the order's workflow that payment started", async () => {
    // The page declines: at the deadline, the booking is refunded once at SumUp and the
    // shopper's order says why.
    await withPaidOrder(
      async ({ orderId, sumupId, items, shopper, checkoutWorkflowId }) => {
        const entryId = bookingOf(items);
        const orderWorkflow = ctx.temporal.client.workflow.getHandle(orderWorkflowId(orderId));
        // Started by the checkout's payment, and it outlives the checkout.
        expect((await orderWorkflow.describe()).parentExecution?.workflowId).toBe(
          checkoutWorkflowId,
        );
        await expect.poll(() => entryState(entryId), { timeout: 15_000 }).toBe('declined');
        await expect.poll(() => refundedAtSumup(sumupId), { timeout: 15_000 }).toEqual([4000]);
        const [refunded] = await db().select().from(refunds).where(eq(refunds.orderId, orderId));
        expect(refunded).toMatchObject({ requestedBy: 'page:policy', amountMinor: 4000 });
        const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
        const view = (await (
          await api.call(`/v1/orders/${order!.publicToken}`, { shopper })
        ).json()) as { refunds: { reason: string }[] };
        expect(view.refunds.map((r) => r.reason)).toEqual([UNANSWERED_REASON]);
        expect(await bookingEvents(orderId)).toEqual([
          { type: 'booking.declined', decidedBy: 'policy' },
        ]);
      },
      { booking: true, unanswered: 'decline', answerWithinMs: 2_000 },
    );
    // The page accepts (its default): the booking is confirmed at the deadline.
    await withPaidOrder(
      async ({ orderId, items }) => {
        const entryId = bookingOf(items);
        await expect.poll(() => entryState(entryId), { timeout: 15_000 }).toBe('confirmed');
        expect(await bookingEvents(orderId)).toEqual([
          { type: 'booking.confirmed', decidedBy: 'policy' },
        ]);
        expect(await db().select().from(refunds).where(eq(refunds.orderId, orderId))).toEqual([]);
      },
      { booking: true, answerWithinMs: 2_000 },
    );
    // The organiser answers first: the deadline changes nothing.
    await withPaidOrder(
      async ({ orderId, items }) => {
        const entryId = bookingOf(items);
        const orderWorkflow = ctx.temporal.client.workflow.getHandle(orderWorkflowId(orderId));
        // Once the order's workflow has read the deadline and waits on its timer, the
        // organiser answers; then the timer fires.
        await expect
          .poll(
            async () =>
              ((await orderWorkflow.fetchHistory()).events ?? []).some(
                (e) => e.timerStartedEventAttributes,
              ),
            { timeout: 15_000 },
          )
          .toBe(true);
        const accepted = await api.admin(`/v1/admin/bookings/${entryId}/accept`, {
          method: 'POST',
        });
        expect(accepted.status).toBe(200);
        await accepted.arrayBuffer();
        await expect
          .poll(() => completedActivities(orderWorkflow, 'answerUnansweredBookings'), {
            timeout: 20_000,
          })
          .toBe(1);
        expect(await entryState(entryId)).toBe('confirmed');
        expect(await bookingEvents(orderId)).toEqual([
          { type: 'booking.confirmed', decidedBy: 'organiser' },
        ]);
        expect(await db().select().from(refunds).where(eq(refunds.orderId, orderId))).toEqual([]);
      },
      // Long enough for the organiser to answer first, however busy the machine.
      { booking: true, unanswered: 'decline', answerWithinMs: 8_000 },
    );
  });

  it('declines a free booking beside paid lines with nothing to pay back, by the organiser or the policy, and cancels the free lines left', async () => {
    const nothingOwed = (state: string) => ({
      refundId: null,
      state,
      amountMinor: 0,
      currency: 'GBP',
    });
    const declineBody = { method: 'POST', body: JSON.stringify({ reason: 'No free slots' }) };
    // The organiser: 200 at once (nothing follows at SumUp), and the same again on a retry.
    await withPaidOrder(
      async ({ orderId, sumupId, items }) => {
        const entryId = bookingOf(items);
        const key = { 'idempotency-key': randomUUID() };
        const declined = await api.admin(`/v1/admin/bookings/${entryId}/decline`, {
          ...declineBody,
          headers: key,
        });
        expect([declined.status, await declined.json()]).toEqual([200, nothingOwed('declined')]);
        const retry = await api.admin(`/v1/admin/bookings/${entryId}/decline`, {
          ...declineBody,
          headers: key,
        });
        expect([retry.status, await retry.json()]).toEqual([200, nothingOwed('declined')]);
        expect(await entryState(entryId)).toBe('declined');
        expect(await db().select().from(refunds).where(eq(refunds.orderId, orderId))).toEqual([]);
        expect(await bookingEvents(orderId)).toEqual([
          { type: 'booking.declined', decidedBy: 'organiser' },
        ]);
        // The mugs and tickets are untouched: the paid lines' money stays taken.
        expect(f.emulator.store.find(sumupId)!.transactions[0]!.refundedMinor).toBe(0);
      },
      { booking: true, bookingCostMinor: 0 },
    );
    // The page's policy declines it at the deadline: declined, nothing owed.
    await withPaidOrder(
      async ({ orderId, items }) => {
        const entryId = bookingOf(items);
        await expect.poll(() => entryState(entryId), { timeout: 15_000 }).toBe('declined');
        expect(await bookingEvents(orderId)).toEqual([
          { type: 'booking.declined', decidedBy: 'policy' },
        ]);
        expect(await db().select().from(refunds).where(eq(refunds.orderId, orderId))).toEqual([]);
      },
      { booking: true, bookingCostMinor: 0, unanswered: 'decline', answerWithinMs: 2_000 },
    );
    // The paid lines refunded one by one, a cancel ends the free booking left: nothing owed.
    await withPaidOrder(
      async ({ orderId, items }) => {
        const paidLines = items.filter((i) => i.kind !== 'booking').map((i) => ({ itemId: i.id }));
        const refunded = await refund(orderId, { lines: paidLines, reason: 'sold out' });
        expect(await refunded.json()).toMatchObject({ amountMinor: 3 * 850 + 2 * 1500 });
        const cancel = await api.admin(`/v1/admin/orders/${orderId}/cancel`, {
          method: 'POST',
          headers: newKey(),
          body: JSON.stringify({ reason: 'closing' }),
        });
        expect([cancel.status, await cancel.json()]).toEqual([200, nothingOwed('cancelled')]);
        expect(await entryState(bookingOf(items))).toBe('cancelled');
        expect(await db().select().from(refunds).where(eq(refunds.orderId, orderId))).toHaveLength(
          1,
        );
      },
      { booking: true, bookingCostMinor: 0 },
    );
  });

  it('lets a refund and a check-in of one ticket take turns: never a refunded ticket let in', async () => {
    await withPaidOrder(async ({ orderId, items }) => {
      const item = items.find((i) => i.kind === 'ticket')!;
      const [row] = await db().select().from(tickets).where(eq(tickets.id, item.ticketId!));
      const [checkIn, refunded] = await Promise.all([
        api.admin(`/v1/admin/tickets/${row!.code}/check-in`, { method: 'POST', body: '{}' }),
        refund(orderId, { lines: [{ itemId: item.id }], reason: 'race' }),
      ]);
      const outcome = [checkIn.status, refunded.status];
      await Promise.all([checkIn.arrayBuffer(), refunded.arrayBuffer()]);
      // Either it went in first (the refund then wants force), or it was refunded first (the
      // door then turns it away).
      expect([
        [200, 409],
        [409, 202],
      ]).toContainEqual(outcome);
      const [after] = await db().select().from(tickets).where(eq(tickets.id, item.ticketId!));
      expect(after!.state).toBe(outcome[0] === 200 ? 'checked_in' : 'cancelled');
    });
  });

  it('answers 404 for an order that does not exist, and 403 to the storefront credential', async () => {
    const missing = await refund(2_147_483_647, { amountMinor: 1, reason: 'x' });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      404,
      'order_not_found',
    ]);
    const asStorefront = await api.call('/v1/admin/orders/1/refunds', {
      method: 'POST',
      body: JSON.stringify({ amountMinor: 1, reason: 'x' }),
      headers: newKey(),
    });
    expect(asStorefront.status).toBe(403);
    await asStorefront.arrayBuffer();
  });
});

describe("an admin's Idempotency-Key", () => {
  const refundRows = (orderId: number) =>
    db().select().from(refunds).where(eq(refunds.orderId, orderId));
  interface Refunded {
    refundId: number;
    state: string;
    amountMinor: number;
    currency: string;
  }

  /**
   * The double click: `body` twice at once under one key, and once more after both were
   * answered. Answers the first refund; the other two are it again, or (while it was being
   * answered) 409 in flight, and the last is its replay.
   */
  async function doubleClickThenRetry(orderId: number, body: object) {
    const key = newKey();
    const atOnce = await Promise.all([refund(orderId, body, key), refund(orderId, body, key)]);
    const answers = await Promise.all(
      atOnce.map(async (res) => [res.status, (await res.json()) as Refunded & Answer] as const),
    );
    const [, first] = answers.find(([status]) => status === 202)!;
    for (const [status, answer] of answers) {
      // Either the first request's own answer or its replay; or the first was not done yet.
      if (status === 202) expect(answer).toEqual(first);
      else expect([status, answer.code]).toEqual([409, 'idempotency_key_in_flight']);
    }
    const retry = await refund(orderId, body, key);
    expect([retry.status, retry.headers.get('idempotent-replayed'), await retry.json()]).toEqual([
      202,
      'true',
      first,
    ]);
    return { key, first };
  }

  it('is required: a refund, a cancel or a decline without one is 428, and changes nothing', async () => {
    await withPaidOrder(
      async ({ orderId, sumupId, items }) => {
        const mugs = items.find((i) => i.kind === 'product')!;
        const entryId = bookingOf(items);
        const refused = [
          await refund(orderId, { lines: [{ itemId: mugs.id, quantity: 1 }], reason: 'x' }, {}),
          await refund(orderId, { amountMinor: 100, reason: 'x' }, {}),
          await cancel(orderId, { reason: 'x' }, {}),
          await decline(entryId, { reason: 'x' }, {}),
        ];
        for (const res of refused) {
          const [status, problem] = await answerOf(res);
          expect([status, problem.code, problem.fields?.[0]?.field]).toEqual([
            428,
            'idempotency_key_required',
            'header.idempotency-key',
          ]);
        }
        expect(await refundRows(orderId)).toEqual([]);
        expect(await entryState(entryId)).toBe('provisional');
        const [mugsAfter] = await db().select().from(orderItems).where(eq(orderItems.id, mugs.id));
        expect(mugsAfter!.refundedQuantity).toBe(0);
        expect(refundedAtSumup(sumupId)).toEqual([]);
      },
      { booking: true },
    );
  });

  it('makes one mug of three, clicked twice at once and retried, one refund, once at SumUp; the retry is audited', async () => {
    await withPaidOrder(async ({ orderId, sumupId, items }) => {
      const mugs = items.find((i) => i.kind === 'product')!;
      const { first } = await doubleClickThenRetry(orderId, {
        lines: [{ itemId: mugs.id, quantity: 1 }],
        reason: 'chipped',
      });
      expect(first).toEqual({
        refundId: expect.any(Number),
        state: 'due',
        amountMinor: 850,
        currency: 'GBP',
      });
      await expect.poll(() => refundedAtSumup(sumupId), { timeout: 15_000 }).toEqual([850]);
      const rows = await refundRows(orderId);
      expect(rows.map((r) => [r.id, r.amountMinor])).toEqual([[first.refundId, 850]]);
      const [mugsAfter] = await db().select().from(orderItems).where(eq(orderItems.id, mugs.id));
      expect(mugsAfter!.refundedQuantity).toBe(1);

      // Every answer on record, the replay told apart; the 409 of the two at once, if any, too.
      const audited = (await db().select().from(adminAudit)).filter(
        (a) => a.request.path === `/v1/admin/orders/${orderId}/refunds`,
      );
      expect(audited).toHaveLength(3);
      const replays = audited.filter((a) => a.request.replayed === true);
      expect(replays.length).toBeGreaterThanOrEqual(1);
      for (const replay of replays) {
        expect([replay.actor, replay.status, replay.answer]).toEqual(['door', 202, first]);
      }
    });
  });

  it('refuses the same key with another body or on another path (422), refunding nothing more', async () => {
    await withPaidOrder(async ({ orderId, items }) => {
      const mugs = items.find((i) => i.kind === 'product')!;
      const key = newKey();
      const first = await refund(
        orderId,
        { lines: [{ itemId: mugs.id, quantity: 1 }], reason: 'chipped' },
        key,
      );
      expect(first.status).toBe(202);
      await first.arrayBuffer();
      const reused = [
        await refund(
          orderId,
          { lines: [{ itemId: mugs.id, quantity: 2 }], reason: 'chipped' },
          key,
        ),
        await refund(orderId, { amountMinor: 850, reason: 'chipped' }, key),
        await cancel(orderId, { reason: 'chipped' }, key),
      ];
      for (const res of reused) {
        const [status, problem] = await answerOf(res);
        expect([status, problem.code, problem.fields?.[0]?.field]).toEqual([
          422,
          'idempotency_key_reused',
          'header.idempotency-key',
        ]);
      }
      expect((await refundRows(orderId)).map((r) => r.amountMinor)).toEqual([850]);
      const [mugsAfter] = await db().select().from(orderItems).where(eq(orderItems.id, mugs.id));
      expect(mugsAfter!.refundedQuantity).toBe(1);
    });
  });

  it("makes a goodwill amount, clicked twice at once and retried, one refund; another amount with its key is 422, but another admin's same key is theirs", async () => {
    await withPaidOrder(async ({ orderId, sumupId }) => {
      const body = { amountMinor: 100, reason: 'sorry for the wait' };
      const { key, first } = await doubleClickThenRetry(orderId, body);
      expect(first).toMatchObject({ state: 'due', amountMinor: 100 });
      const [status, problem] = await answerOf(
        await refund(orderId, { ...body, amountMinor: 200 }, key),
      );
      expect([status, problem.code]).toEqual([422, 'idempotency_key_reused']);
      // Another admin's key of the same spelling is theirs: a refund of its own.
      const other = await api.admin(
        `/v1/admin/orders/${orderId}/refunds`,
        { method: 'POST', body: JSON.stringify({ ...body, amountMinor: 200 }), headers: key },
        'till',
      );
      expect([other.status, other.headers.get('idempotent-replayed')]).toEqual([202, null]);
      const { refundId: tills } = (await other.json()) as Refunded;
      await expect
        .poll(() => refundedAtSumup(sumupId).sort(), { timeout: 15_000 })
        .toEqual([100, 200]);
      expect(
        (await refundRows(orderId)).map((r) => [r.id, r.amountMinor, r.requestedBy]).sort(),
      ).toEqual(
        [
          [first.refundId, 100, 'door'],
          [tills, 200, 'till'],
        ].sort(),
      );
    });
  });
});
