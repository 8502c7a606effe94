import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimEntriesAndTickets, releaseClaims } from '../activities/calendar/claims.ts';
import { answerUnansweredBookings } from '../activities/calendar/bookings.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import { recordAdminRefund } from '../activities/orders/admin-refunds.ts';
import { createOrderFromCart } from '../activities/orders/create-order.ts';
import { openOrder } from '../activities/orders/open-order.ts';
import {
  calendarEntries,
  cartLines,
  orders,
  outboxEvents,
  pages,
  refunds,
  tickets,
  ticketTypes,
} from '../db/schema/index.ts';
import { timeTaken } from '../db/queries/booking-clashes.ts';
import { readPricedCart } from '../db/queries/cart.ts';
import { addProduct, setProductQuantity } from '../db/queries/cart-lines.ts';
import { storeSumupCredentials } from '../db/queries/sumup-credentials.ts';
import { Secret } from '../db/secret.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import { createTestContext, testCredentialsKeys, type TestContext } from './harness/context.ts';
import { orderFromCart } from './harness/checkout.ts';
import { seedShop } from './harness/seed.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext('checkout-activities');
});
afterAll(() => ctx?.close());

const db = () => ctx.database.db;
const newShopper = (): Shopper & { userId: string } => ({ userId: `u-${randomUUID()}` });

const orderFor = (shopper: Shopper, pageId: number | null = null) =>
  orderFromCart(db(), shopper, pageId);

/** Each ticket's state and the order holding it, in id order. */
const ticketHolders = async (wanted: { id: number }[]) =>
  (
    await db()
      .select()
      .from(tickets)
      .where(
        inArray(
          tickets.id,
          wanted.map((t) => t.id),
        ),
      )
      .orderBy(tickets.id)
  ).map((t) => [t.state, t.orderId]);

const eventsOf = async (orderId: number) =>
  (await db().select().from(outboxEvents).where(eq(outboxEvents.orderId, orderId)))
    .map((e) => e.type)
    .sort();

describe('creating the order from the cart', () => {
  it('prices every line on the server and records order.created, once per key', async () => {
    const shop = await seedShop(db(), { seats: 10 });
    const shopper = newShopper();
    await shop.addMug(shopper, 2);
    await shop.addBooking(shopper, 4000);
    await shop.addTickets(shopper.userId, 2);
    const input = {
      idempotencyKey: randomUUID(),
      workflowId: 'wf',
      workflowRunId: 'test-run',
      shopper,
      scope: { pageId: shop.page.id },
    };

    const first = await createOrderFromCart(db(), input);
    const again = await createOrderFromCart(db(), input);
    expect(first).toEqual({
      kind: 'created',
      order: expect.objectContaining({
        totalMinor: 2 * 850 + 4000 + 2 * 1500,
        currency: 'GBP',
        itemCount: 4,
      }),
    });
    expect(again).toEqual(first);
    if (first.kind !== 'created') return;
    expect(
      await db().select().from(orders).where(eq(orders.idempotencyKey, input.idempotencyKey)),
    ).toHaveLength(1);
    expect(await eventsOf(first.order.orderId)).toEqual(['order.created']);
  });

  it("records the merchant the order is made for: its page's current one, or the default", async () => {
    const shop = await seedShop(db(), { seats: 10 });
    const merchantOf = async (scope: { pageId: number | null }, defaultMerchantCode?: Secret) => {
      const shopper = newShopper();
      await shop.addMug(shopper);
      const created = await createOrderFromCart(
        db(),
        { idempotencyKey: randomUUID(), workflowId: 'wf', workflowRunId: 'run', shopper, scope },
        { defaultMerchantCode },
      );
      if (created.kind !== 'created') throw new Error(created.kind);
      const [order] = await db()
        .select({ merchant: orders.sumupMerchantCode })
        .from(orders)
        .where(eq(orders.id, created.order.orderId));
      return order!.merchant?.reveal() ?? null;
    };
    // No credentials yet: whichever merchant the page pays when its checkout is made.
    expect(await merchantOf({ pageId: shop.page.id })).toBeNull();
    const change = (merchantCode: string) =>
      storeSumupCredentials(db(), testCredentialsKeys, shop.page.id, {
        merchantCode,
        apiKey: new Secret(`sup_sk_${merchantCode}`),
      });
    await change('MFIRST1');
    expect(await merchantOf({ pageId: shop.page.id })).toBe('MFIRST1');
    await change('MSECOND');
    expect(await merchantOf({ pageId: shop.page.id })).toBe('MSECOND');
    expect(await merchantOf({ pageId: null }, new Secret('MDEFAULT'))).toBe('MDEFAULT');
    expect(await merchantOf({ pageId: null })).toBeNull();
  });

  it('says the cart is empty, or which lines cannot be bought, and makes no order', async () => {
    const shop = await seedShop(db(), { seats: 10 });
    const shopper = newShopper();
    expect(
      await createOrderFromCart(db(), {
        idempotencyKey: randomUUID(),
        workflowId: 'wf',
        workflowRunId: 'test-run',
        shopper,
        scope: { pageId: null },
      }),
    ).toEqual({ kind: 'empty' });

    await shop.addMug(shopper);
    const other = await seedShop(db(), { seats: 1, currency: 'EUR' });
    const euroLine = await other.addMug(shopper);
    const key = randomUUID();
    const result = await createOrderFromCart(db(), {
      idempotencyKey: key,
      workflowId: 'wf',
      workflowRunId: 'test-run',
      shopper,
      scope: { pageId: null },
    });
    expect(result).toEqual({
      kind: 'unavailable',
      problems: [{ kind: 'product', id: euroLine.id, title: 'Mug', reason: 'mixed_currencies' }],
    });
    expect(await db().select().from(orders).where(eq(orders.idempotencyKey, key))).toEqual([]);
    // A page checkout takes only that page's lines, so it is not mixed.
    const pageOrder = await orderFor(shopper, shop.page.id);
    expect(pageOrder).toMatchObject({ totalMinor: 850, itemCount: 1 });
  });
});

describe('claiming', () => {
  it('moves entries to ordered and tickets to reserved, and gives them back on release', async () => {
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    const booking = await shop.addBooking(shopper);
    const bought = await shop.addTickets(shopper.userId, 2);
    const order = await orderFor(shopper, shop.page.id);

    expect(await claimEntriesAndTickets(db(), order.orderId)).toEqual({ claimed: true });
    expect(await claimEntriesAndTickets(db(), order.orderId)).toEqual({ claimed: true });
    const [entry] = await db()
      .select()
      .from(calendarEntries)
      .where(eq(calendarEntries.id, booking.id));
    expect([entry!.state, entry!.orderId]).toEqual(['ordered', order.orderId]);
    expect(await ticketHolders(bought)).toEqual([
      ['reserved', order.orderId],
      ['reserved', order.orderId],
    ]);

    await releaseClaims(db(), order.orderId, 'expired');
    await releaseClaims(db(), order.orderId, 'expired');
    const released = await db()
      .select()
      .from(tickets)
      .where(
        inArray(
          tickets.id,
          bought.map((t) => t.id),
        ),
      );
    expect(released.map((t) => [t.state, t.orderId])).toEqual([
      ['pending', null],
      ['pending', null],
    ]);
    const [closed] = await db().select().from(orders).where(eq(orders.id, order.orderId));
    expect([closed!.status, closed!.closedAt]).toEqual(['expired', expect.any(Date)]);
    expect(await eventsOf(order.orderId)).toEqual(['order.closed', 'order.created']);
  });

  it('refuses, per line and changing nothing, tickets beyond capacity', async () => {
    const shop = await seedShop(db(), { seats: 2 });
    const first = newShopper();
    await shop.addTickets(first.userId, 1);
    await claimEntriesAndTickets(db(), (await orderFor(first, shop.page.id)).orderId);

    const second = newShopper();
    const wanted = await shop.addTickets(second.userId, 2);
    const order = await orderFor(second, shop.page.id);
    const result = await claimEntriesAndTickets(db(), order.orderId);
    expect(result).toEqual({
      claimed: false,
      problems: [
        { kind: 'ticket', id: wanted[1]!.id, title: 'Friday gig: Standing', reason: 'sold_out' },
      ],
    });
    expect(await ticketHolders(wanted)).toEqual([
      ['pending', null],
      ['pending', null],
    ]);
  });

  it('lets exactly the capacity through when 30 shoppers race for 7 seats', async () => {
    const shop = await seedShop(db(), { seats: 7 });
    const racers = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const shopper = newShopper();
        await shop.addTickets(shopper.userId, 1);
        return orderFor(shopper, shop.page.id);
      }),
    );
    const results = await Promise.all(racers.map((o) => claimEntriesAndTickets(db(), o.orderId)));
    expect(results.filter((r) => r.claimed)).toHaveLength(7);
    const reserved = await db()
      .select()
      .from(tickets)
      .where(eq(tickets.ticketTypeId, shop.standing.id));
    expect(reserved.filter((t) => t.state === 'reserved')).toHaveLength(7);
  });
});

describe('opening an order in one step', () => {
  const openInput = (shopper: Shopper, pageId: number) => ({
    idempotencyKey: randomUUID(),
    workflowId: 'wf',
    workflowRunId: 'test-run',
    shopper,
    scope: { pageId },
  });

  it('makes the order and claims its tickets together, and answers the same when asked again', async () => {
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    const wanted = await shop.addTickets(shopper.userId, 2);
    const input = openInput(shopper, shop.page.id);
    const first = await openOrder(db(), input);
    const again = await openOrder(db(), input);
    expect(first).toMatchObject({ kind: 'created', claim: { claimed: true } });
    expect(again).toEqual(first);
    expect(await ticketHolders(wanted)).toEqual([
      ['reserved', first.kind === 'created' ? first.order.orderId : -1],
      ['reserved', first.kind === 'created' ? first.order.orderId : -1],
    ]);
  });

  it('closes the order in the same transaction when a claim fails, with the lines left in the cart', async () => {
    const shop = await seedShop(db(), { seats: 1 });
    const earlier = newShopper();
    await shop.addTickets(earlier.userId, 1);
    await openOrder(db(), openInput(earlier, shop.page.id));

    const shopper = newShopper();
    const wanted = await shop.addTickets(shopper.userId, 1);
    const opened = await openOrder(db(), openInput(shopper, shop.page.id));
    expect(opened).toMatchObject({
      kind: 'created',
      claim: { claimed: false, problems: [{ id: wanted[0]!.id, reason: 'sold_out' }] },
    });
    const orderId = opened.kind === 'created' ? opened.order.orderId : -1;
    const [order] = await db().select().from(orders).where(eq(orders.id, orderId));
    expect(order!.status).toBe('failed');
    expect(await eventsOf(orderId)).toEqual(['order.closed', 'order.created']);
    const [ticket] = await db().select().from(tickets).where(eq(tickets.id, wanted[0]!.id));
    expect([ticket!.state, ticket!.orderId]).toEqual(['pending', null]);
  });
});

describe('confirming a paid order', () => {
  it('confirms claims, empties the paid cart lines and records order.paid, once', async () => {
    const shop = await seedShop(db(), { seats: 3 });
    const shopper = newShopper();
    const line = await shop.addMug(shopper);
    const booking = await shop.addBooking(shopper);
    const [ticket] = await shop.addTickets(shopper.userId, 1);
    const order = await orderFor(shopper, shop.page.id);
    await claimEntriesAndTickets(db(), order.orderId);

    // The booking awaits the organiser: the answer says so, the first time and again.
    const confirmed = { unhonoured: [], provisional: [booking.id] };
    expect(await confirmPaidOrder(db(), { orderId: order.orderId, transactionId: 'tx-1' })).toEqual(
      confirmed,
    );
    expect(await confirmPaidOrder(db(), { orderId: order.orderId, transactionId: 'tx-1' })).toEqual(
      confirmed,
    );
    const [paid] = await db().select().from(orders).where(eq(orders.id, order.orderId));
    expect([paid!.status, paid!.sumupTransactionId, paid!.refundState]).toEqual([
      'paid',
      'tx-1',
      null,
    ]);
    expect(
      (await db().select().from(calendarEntries).where(eq(calendarEntries.id, booking.id)))[0]!
        .state,
    ).toBe('provisional');
    expect((await db().select().from(tickets).where(eq(tickets.id, ticket!.id)))[0]!.state).toBe(
      'confirmed',
    );
    const [cartLine] = await db().select().from(cartLines).where(eq(cartLines.id, line.id));
    expect([cartLine!.deletedAt, cartLine!.orderId]).toEqual([expect.any(Date), order.orderId]);
    expect(await eventsOf(order.orderId)).toEqual(['order.created', 'order.paid']);
  });

  it('never pays twice for a product line: a late payment refunds the line another order took meanwhile', async () => {
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    const line = await shop.addMug(shopper, 2);
    const late = await orderFor(shopper, shop.page.id);
    await releaseClaims(db(), late.orderId, 'expired');
    // The shopper checks out again: a new open order holds the same line.
    const again = await orderFor(shopper, shop.page.id);

    const outcome = await confirmPaidOrder(db(), {
      orderId: late.orderId,
      transactionId: 'tx-late',
    });
    expect(outcome).toEqual({
      unhonoured: [{ kind: 'product', id: line.id, title: 'Mug', reason: 'in_checkout' }],
      refund: { refundId: expect.any(Number), amountMinor: 2 * 850, currency: 'GBP' },
    });
    // The line stays in the cart, for the open order to pay for.
    const [kept] = await db().select().from(cartLines).where(eq(cartLines.id, line.id));
    expect([kept!.deletedAt, kept!.orderId]).toEqual([null, null]);
    const paid = await confirmPaidOrder(db(), {
      orderId: again.orderId,
      transactionId: 'tx-again',
    });
    expect(paid).toEqual({ unhonoured: [] });
    const [gone] = await db().select().from(cartLines).where(eq(cartLines.id, line.id));
    expect(gone!.orderId).toBe(again.orderId);
  });

  /**
   * An order of `ordered` mugs whose checkout closed; back in the cart, the shopper changes
   * the line (`change`), then the late payment is confirmed. Answers the paid line's row.
   */
  async function latePaymentAfter(
    ordered: number,
    change: (shopper: Shopper, shop: Awaited<ReturnType<typeof seedShop>>) => Promise<unknown>,
  ) {
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    const line = await shop.addMug(shopper, ordered);
    const late = await orderFor(shopper, shop.page.id);
    await releaseClaims(db(), late.orderId, 'expired');
    expect(await change(shopper, shop)).toBe('ok');
    expect(
      await confirmPaidOrder(db(), { orderId: late.orderId, transactionId: 'tx-late' }),
    ).toEqual({ unhonoured: [] });
    const [paid] = await db().select().from(cartLines).where(eq(cartLines.id, line.id));
    return { shop, shopper, late, paid: [paid!.deletedAt, paid!.orderId, paid!.quantity] };
  }

  it('takes from the cart only what a late payment paid for: units added since the checkout closed stay, to be bought', async () => {
    // The shopper raises the mug from 1 to 3.
    const { shop, shopper, late, paid } = await latePaymentAfter(1, (who, at) =>
      addProduct(db(), who, at.mug.id, 2),
    );
    // The order's line is the paid one, for the one mug it paid for.
    expect(paid).toEqual([expect.any(Date), late.orderId, 1]);
    const cart = await readPricedCart(db(), shopper, { pageId: shop.page.id });
    expect(cart.map((l) => [l.kind, l.productId, l.quantity])).toEqual([
      ['product', shop.mug.id, 2],
    ]);
    // The two left are the shopper's to buy, and the next order pays for those two only.
    const next = await orderFor(shopper, shop.page.id);
    expect(next.totalMinor).toBe(2 * 850);
    expect(
      await confirmPaidOrder(db(), { orderId: next.orderId, transactionId: 'tx-next' }),
    ).toEqual({ unhonoured: [] });
    expect(await readPricedCart(db(), shopper, { pageId: shop.page.id })).toEqual([]);
  });

  it('honours all a late payment ordered when the shopper lowered the line since: the whole line is taken', async () => {
    const { shop, shopper, late, paid } = await latePaymentAfter(3, (who, at) =>
      setProductQuantity(db(), who, at.mug.id, 1),
    );
    expect(paid).toEqual([expect.any(Date), late.orderId, 3]);
    expect(await readPricedCart(db(), shopper, { pageId: shop.page.id })).toEqual([]);
  });

  it('counts lines a late payment could not honour as refunded: a later cancel does not take them again', async () => {
    const shop = await seedShop(db(), { seats: 1 });
    const late = newShopper();
    await shop.addTickets(late.userId, 1);
    await shop.addMug(late, 1);
    const lateOrder = await orderFor(late, shop.page.id);
    await claimEntriesAndTickets(db(), lateOrder.orderId);
    await releaseClaims(db(), lateOrder.orderId, 'expired');
    const prompt = newShopper();
    await shop.addTickets(prompt.userId, 1);
    await claimEntriesAndTickets(db(), (await orderFor(prompt, shop.page.id)).orderId);
    const paid = await confirmPaidOrder(db(), { orderId: lateOrder.orderId, transactionId: 'tx' });
    expect(paid.refund?.amountMinor).toBe(1500);

    const cancel = await recordAdminRefund(db(), {
      orderId: lateOrder.orderId,
      request: { kind: 'cancel', reason: 'event moved' },
      actor: 'test',
      requestId: randomUUID(),
    });
    expect(cancel).toMatchObject({ kind: 'recorded', amountMinor: 850 });
    const [row] = await db()
      .select()
      .from(refunds)
      .where(eq(refunds.id, (cancel as { refundId: number }).refundId));
    expect(row!.lines.map((l) => l.kind)).toEqual(['product']);
  });

  it('cancels and refund-notes tickets sold out after an expiry released them', async () => {
    const shop = await seedShop(db(), { seats: 1 });
    const late = newShopper();
    const [lateTicket] = await shop.addTickets(late.userId, 1);
    const lateOrder = await orderFor(late, shop.page.id);
    await claimEntriesAndTickets(db(), lateOrder.orderId);
    await releaseClaims(db(), lateOrder.orderId, 'expired');
    // Meanwhile another shopper takes the only seat.
    const prompt = newShopper();
    await shop.addTickets(prompt.userId, 1);
    const promptOrder = await orderFor(prompt, shop.page.id);
    await claimEntriesAndTickets(db(), promptOrder.orderId);

    const outcome = await confirmPaidOrder(db(), {
      orderId: lateOrder.orderId,
      transactionId: 'tx-late',
    });
    expect(outcome).toEqual({
      unhonoured: [
        { kind: 'ticket', id: lateTicket!.id, title: 'Friday gig: Standing', reason: 'sold_out' },
      ],
      refund: { refundId: expect.any(Number), amountMinor: 1500, currency: 'GBP' },
    });
    expect(
      await confirmPaidOrder(db(), { orderId: lateOrder.orderId, transactionId: 'tx-late' }),
    ).toEqual(outcome);
    expect(
      (await db().select().from(tickets).where(eq(tickets.id, lateTicket!.id)))[0]!.state,
    ).toBe('cancelled');
    const [order] = await db().select().from(orders).where(eq(orders.id, lateOrder.orderId));
    expect([order!.status, order!.refundState]).toEqual(['paid', 'refund_due']);
    expect(
      await db().select().from(refunds).where(eq(refunds.orderId, lateOrder.orderId)),
    ).toHaveLength(1);
    expect(await eventsOf(lateOrder.orderId)).toEqual([
      'order.closed',
      'order.created',
      'order.paid',
      'order.refund_due',
    ]);
    // The seat holder keeps the seat.
    const seats = await db().select().from(tickets).where(eq(tickets.orderId, promptOrder.orderId));
    expect(seats.map((t) => t.state)).toEqual(['reserved']);
  });
});

describe('ending lines that cost nothing', () => {
  /** A paid order of the shopper's cart, made through the real steps. */
  const paidOrder = async (shopper: Shopper, pageId: number) => {
    const order = await orderFor(shopper, pageId);
    expect(await claimEntriesAndTickets(db(), order.orderId)).toEqual({ claimed: true });
    await confirmPaidOrder(db(), { orderId: order.orderId, transactionId: `tx-${randomUUID()}` });
    return order;
  };
  const decline = (orderId: number, entryId: number, requestId: string) =>
    recordAdminRefund(db(), {
      orderId,
      request: { kind: 'decline', entryId, reason: 'The room is closed' },
      actor: 'test',
      requestId,
    });
  /** Whether another shopper asking for the booking's hour would find it held. */
  const hourHeld = (booking: typeof calendarEntries.$inferSelect) =>
    db().transaction((tx) =>
      timeTaken(
        tx,
        booking.calendarId,
        booking.startsAt,
        new Date(booking.startsAt.getTime() + 3_600_000),
        newShopper(),
      ),
    );
  const entryState = async (id: number) =>
    (await db().select().from(calendarEntries).where(eq(calendarEntries.id, id)))[0]!.state;
  const payloadsOf = async (orderId: number, type: string) =>
    (await db().select().from(outboxEvents).where(eq(outboxEvents.orderId, orderId)))
      .filter((e) => e.type === type)
      .map((e) => e.payload);

  it('declines a free booking beside paid lines: declined, its hour freed, no refund, and the same request again answers the same', async () => {
    const shop = await seedShop(db(), { seats: 3 });
    const shopper = newShopper();
    await shop.addMug(shopper, 2);
    const booking = await shop.addBooking(shopper, 0);
    const order = await paidOrder(shopper, shop.page.id);
    expect(await hourHeld(booking)).toBe(true);

    const requestId = randomUUID();
    const declined = {
      kind: 'nothing_owed',
      state: 'declined',
      amountMinor: 0,
      currency: 'GBP',
    };
    expect(await decline(order.orderId, booking.id, requestId)).toEqual(declined);
    expect(await decline(order.orderId, booking.id, requestId)).toEqual(declined);
    // Another decline of it is refused: it is not provisional now.
    expect(await decline(order.orderId, booking.id, randomUUID())).toMatchObject({
      kind: 'refused',
      code: 'booking_not_provisional',
    });

    expect(await entryState(booking.id)).toBe('declined');
    expect(await hourHeld(booking)).toBe(false);
    expect(await db().select().from(refunds).where(eq(refunds.orderId, order.orderId))).toEqual([]);
    const [row] = await db().select().from(orders).where(eq(orders.id, order.orderId));
    expect([row!.status, row!.refundState]).toEqual(['paid', null]);
    // Told once, with no refund; the mugs stay paid and can still be refunded.
    expect(await payloadsOf(order.orderId, 'booking.declined')).toEqual([
      expect.objectContaining({
        booking: { entryId: booking.id },
        decidedBy: 'organiser',
        reason: 'The room is closed',
        refund: null,
      }),
    ]);
    expect(await eventsOf(order.orderId)).toEqual([
      'booking.declined',
      'order.created',
      'order.paid',
    ]);
    expect(
      await recordAdminRefund(db(), {
        orderId: order.orderId,
        request: { kind: 'cancel', reason: 'closing' },
        actor: 'test',
        requestId: randomUUID(),
      }),
    ).toMatchObject({ kind: 'recorded', amountMinor: 2 * 850 });
  });

  it("declines a free booking when the page's policy answers it unanswered", async () => {
    const shop = await seedShop(db(), { seats: 3 });
    await db()
      .update(pages)
      .set({ unansweredBookings: 'decline' })
      .where(eq(pages.id, shop.page.id));
    const shopper = newShopper();
    const booking = await shop.addBooking(shopper, 0);
    const order = await paidOrder(shopper, shop.page.id);

    const answered = await answerUnansweredBookings(
      db(),
      { orderId: order.orderId, asOfMs: Date.now() + 8 * 86_400_000 },
      7,
    );
    expect(answered).toEqual({ refundIds: [], answerByMs: null });
    expect(await entryState(booking.id)).toBe('declined');
    expect(await hourHeld(booking)).toBe(false);
    expect(await db().select().from(refunds).where(eq(refunds.orderId, order.orderId))).toEqual([]);
    expect(await payloadsOf(order.orderId, 'booking.declined')).toEqual([
      expect.objectContaining({ decidedBy: 'policy', refund: null }),
    ]);
  });

  it('cancels a free order: its tickets and bookings cancelled, seats and hours freed, order.cancelled with no refund', async () => {
    const shop = await seedShop(db(), { seats: 1 });
    await db()
      .update(ticketTypes)
      .set({ costMinor: 0 })
      .where(eq(ticketTypes.id, shop.standing.id));
    const shopper = newShopper();
    const [ticket] = await shop.addTickets(shopper.userId, 1);
    const booking = await shop.addBooking(shopper, 0);
    const order = await paidOrder(shopper, shop.page.id);
    expect(order.totalMinor).toBe(0);

    const requestId = randomUUID();
    const cancel = () =>
      recordAdminRefund(db(), {
        orderId: order.orderId,
        request: { kind: 'cancel', reason: 'The gig is off' },
        actor: 'test',
        requestId,
      });
    const cancelled = { kind: 'nothing_owed', state: 'cancelled', amountMinor: 0, currency: 'GBP' };
    expect(await cancel()).toEqual(cancelled);
    expect(await cancel()).toEqual(cancelled);

    expect(await ticketHolders([ticket!])).toEqual([['cancelled', order.orderId]]);
    expect(await entryState(booking.id)).toBe('cancelled');
    expect(await hourHeld(booking)).toBe(false);
    // The one seat is free again: another shopper's ticket is claimed.
    const other = newShopper();
    await shop.addTickets(other.userId, 1);
    expect(
      await claimEntriesAndTickets(db(), (await orderFor(other, shop.page.id)).orderId),
    ).toEqual({ claimed: true });
    expect(await db().select().from(refunds).where(eq(refunds.orderId, order.orderId))).toEqual([]);
    expect(await payloadsOf(order.orderId, 'order.cancelled')).toEqual([
      expect.objectContaining({ reason: 'The gig is off', refund: null }),
    ]);
    // Nothing is left to cancel now.
    expect(
      await recordAdminRefund(db(), {
        orderId: order.orderId,
        request: { kind: 'cancel', reason: 'again' },
        actor: 'test',
        requestId: randomUUID(),
      }),
    ).toMatchObject({ kind: 'refused', code: 'nothing_left_to_refund' });
  });
});
