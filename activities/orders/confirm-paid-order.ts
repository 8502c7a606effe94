import { and, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.ts';
import {
  calendarEntries,
  cartLines,
  orderItems,
  orders,
  refunds,
  tickets,
} from '../../db/schema/index.ts';
import type { LineProblem, PaidOutcome } from '../../workflows/checkout-types.ts';
import { lockOrderClaims } from '../calendar/claims.ts';
import { seatGroupKey } from '../calendar/capacity.ts';
import { heldLines } from '../../db/queries/held-lines.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { refundData } from '../events/refund-data.ts';

const UNHONOURED_REFUND_KEY = 'unhonoured-lines';

/**
 * SumUp says PAID: in one transaction, entries go to provisional and tickets to confirmed
 * (capacity re-checked, so a late payment never oversells), paid product lines leave the
 * cart (only what was paid for: units added since stay), the order becomes paid and
 * `order.paid` is recorded. Lines that can no longer be honoured are cancelled and a refund
 * for them is recorded with its notice (`order.refund_due`). Confirming again answers the
 * same outcome and changes nothing.
 */
export function confirmPaidOrder(
  db: Database,
  input: { orderId: number; transactionId: string },
): Promise<PaidOutcome> {
  const { orderId } = input;
  return db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (!order) throw new Error(`order ${orderId} does not exist`);
    if (order.status === 'paid') return outcomeOf(tx, orderId);

    // The order's product lines, locked before anything else of the cart (as an order taking
    // them locks them first): a shopper's edit waits, and an open order holding them has
    // committed and is seen below.
    const productItems = await tx
      .select({
        cartLineId: orderItems.cartLineId,
        title: orderItems.title,
        quantity: orderItems.quantity,
      })
      .from(orderItems)
      .where(and(eq(orderItems.orderId, orderId), isNotNull(orderItems.cartLineId)));
    const lineIds = productItems.map((i) => i.cartLineId!);
    const lineRows = lineIds.length
      ? await tx
          .select()
          .from(cartLines)
          .where(inArray(cartLines.id, lineIds))
          .orderBy(cartLines.id)
          .for('update')
      : [];

    const { bookings, ticketItems, clashes, seatsLeft, entryRows, lockedTickets } =
      await lockOrderClaims(tx, orderId);

    const unhonoured: LineProblem[] = [];
    const provisional: number[] = [];
    const lostTime: number[] = [];
    for (const booking of bookings) {
      const entry = entryRows.find((e) => e.id === booking.id);
      // Ours still, or released to the cart by an expiry and not taken since.
      const ours = entry?.orderId === orderId && entry.state === 'ordered';
      const free = entry?.state === 'pending' && entry.orderId === null;
      if ((ours || free) && !clashes.has(booking.id)) provisional.push(booking.id);
      else if (ours || free) {
        lostTime.push(booking.id);
        unhonoured.push({
          kind: 'booking',
          id: booking.id,
          title: booking.title,
          reason: 'time_taken',
        });
      } else
        unhonoured.push({
          kind: 'booking',
          id: booking.id,
          title: booking.title,
          reason: 'booking_unavailable',
        });
    }

    const confirmed: number[] = [];
    const cancelled: number[] = [];
    const taken = new Map<string, number>();
    for (const item of ticketItems) {
      const ticket = lockedTickets.find((t) => t.id === item.id)!;
      const ours = ticket.orderId === orderId && ticket.state === 'reserved';
      const free = ticket.state === 'pending' && ticket.orderId === null;
      const key = seatGroupKey(ticket);
      const used = taken.get(key) ?? 0;
      if ((ours || free) && (seatsLeft.get(key) ?? 0) - used > 0) {
        taken.set(key, used + 1);
        confirmed.push(ticket.id);
      } else {
        cancelled.push(ticket.id);
        unhonoured.push({ kind: 'ticket', id: item.id, title: item.title, reason: 'sold_out' });
      }
    }

    // A late payment (the order had closed) never pays for a product line twice: a line
    // another order took meanwhile (still open, or paid) is not this order's any more.
    const keptLines: (typeof productItems)[number][] = [];
    const heldElsewhere =
      order.status !== 'pending' && lineIds.length
        ? (
            await heldLines(
              tx,
              lineIds.map((id) => ({ kind: 'product' as const, id })),
            )
          ).filter((h) => h.orderId !== orderId)
        : [];
    const paidElsewhere =
      order.status !== 'pending' && lineIds.length
        ? await tx
            .select({ id: cartLines.id })
            .from(cartLines)
            .where(
              and(
                inArray(cartLines.id, lineIds),
                isNotNull(cartLines.orderId),
                ne(cartLines.orderId, orderId),
              ),
            )
        : [];
    for (const item of productItems) {
      const id = item.cartLineId!;
      const reason = heldElsewhere.some((h) => h.id === id)
        ? ('in_checkout' as const)
        : paidElsewhere.some((l) => l.id === id)
          ? ('already_paid' as const)
          : undefined;
      if (reason) unhonoured.push({ kind: 'product', id, title: item.title, reason });
      else keptLines.push(item);
    }

    if (provisional.length) {
      await tx
        .update(calendarEntries)
        .set({ state: 'provisional', orderId })
        .where(inArray(calendarEntries.id, provisional));
    }
    // Paid for, but the time went to someone else while the shopper paid: not theirs now.
    if (lostTime.length) {
      await tx
        .update(calendarEntries)
        .set({ state: 'cancelled', orderId })
        .where(inArray(calendarEntries.id, lostTime));
    }
    if (confirmed.length) {
      await tx
        .update(tickets)
        .set({ state: 'confirmed', orderId })
        .where(inArray(tickets.id, confirmed));
    }
    // A ticket that lost its seat is cancelled only if it is ours to cancel.
    const ourCancelled = lockedTickets
      .filter(
        (t) =>
          cancelled.includes(t.id) &&
          (t.orderId === orderId || (t.orderId === null && t.state === 'pending')),
      )
      .map((t) => t.id);
    if (ourCancelled.length) {
      await tx
        .update(tickets)
        .set({ state: 'cancelled', orderId })
        .where(inArray(tickets.id, ourCancelled));
    }
    await takePaidLines(tx, orderId, keptLines, lineRows);

    const refundMinor = await unhonouredAmount(tx, orderId, unhonoured);
    // Lines not honoured are refunded in full: no later refund or cancel takes them again.
    for (const line of unhonoured) {
      const column =
        line.kind === 'ticket'
          ? orderItems.ticketId
          : line.kind === 'booking'
            ? orderItems.calendarEntryId
            : orderItems.cartLineId;
      await tx
        .update(orderItems)
        .set({ refundedQuantity: sql`${orderItems.quantity}` })
        .where(and(eq(orderItems.orderId, orderId), eq(column, line.id)));
    }
    await tx
      .update(orders)
      .set({
        status: 'paid',
        paidAt: new Date(),
        sumupTransactionId: input.transactionId,
        ...(refundMinor > 0 ? { refundState: 'refund_due' as const } : {}),
      })
      .where(eq(orders.id, orderId));
    await recordOrderEvent(tx, 'order.paid', orderId, `order.paid:${orderId}`, { unhonoured });
    if (refundMinor > 0) {
      const [refund] = await tx
        .insert(refunds)
        .values({
          orderId,
          key: UNHONOURED_REFUND_KEY,
          amountMinor: refundMinor,
          currency: order.currency,
          reason: `Paid lines that could not be honoured: ${[...new Set(unhonoured.map((l) => l.reason))].join(', ')}`,
          lines: unhonoured,
          sumupTransactionId: input.transactionId,
        })
        .returning();
      // The refund notice, to the shopper and to ops.
      await recordOrderEvent(tx, 'order.refund_due', orderId, `order.refund_due:${orderId}`, {
        refund: refundData(refund!),
      });
      return {
        unhonoured,
        ...awaitingOrganiser(provisional),
        refund: { refundId: refund!.id, amountMinor: refundMinor, currency: order.currency },
      };
    }
    return { unhonoured, ...awaitingOrganiser(provisional) };
  });
}

/**
 * The paid product lines leave the cart, each for what its order paid: the line becomes the
 * paid one (soft-deleted, with its order and the quantity ordered), so that order_items still
 * names it and every reader of a paid line (orderId and deletedAt) stays right. A late payment
 * can find a line the shopper changed after the checkout closed and gave it back:
 * - raised (a mug from 1 to 3): the units added since were never paid for, and stay in the
 *   cart as a new live line of the rest (the old one is no longer live, so the one live line
 *   per shopper and product holds);
 * - lowered, or removed: the whole line is taken, and the order still honours all it ordered,
 *   since that is what was paid for; the cart cannot give back more than it holds.
 */
async function takePaidLines(
  tx: Transaction,
  orderId: number,
  items: { cartLineId: number | null; quantity: number }[],
  lines: (typeof cartLines.$inferSelect)[],
): Promise<void> {
  const now = new Date();
  for (const item of items) {
    const line = lines.find((l) => l.id === item.cartLineId)!;
    await tx
      .update(cartLines)
      .set({ deletedAt: now, orderId, quantity: item.quantity })
      .where(eq(cartLines.id, line.id));
    const rest = line.quantity - item.quantity;
    if (line.deletedAt === null && rest > 0) {
      await tx.insert(cartLines).values({
        userId: line.userId,
        sessionId: line.sessionId,
        productId: line.productId,
        quantity: rest,
      });
    }
  }
}

async function unhonouredAmount(
  tx: Transaction,
  orderId: number,
  lines: LineProblem[],
): Promise<number> {
  if (lines.length === 0) return 0;
  const items = await tx.select().from(orderItems).where(eq(orderItems.orderId, orderId));
  return lines.reduce((sum, line) => {
    const item = items.find((i) =>
      line.kind === 'ticket'
        ? i.ticketId === line.id
        : line.kind === 'booking'
          ? i.calendarEntryId === line.id
          : i.cartLineId === line.id,
    );
    return sum + (item ? item.unitPriceMinor * item.quantity : 0);
  }, 0);
}

const awaitingOrganiser = (entryIds: number[]): Pick<PaidOutcome, 'provisional'> =>
  entryIds.length ? { provisional: entryIds } : {};

/** What an already-paid order's confirmation decided, read back. */
async function outcomeOf(tx: Transaction, orderId: number): Promise<PaidOutcome> {
  const waiting = await tx
    .select({ id: calendarEntries.id })
    .from(calendarEntries)
    .where(and(eq(calendarEntries.orderId, orderId), eq(calendarEntries.state, 'provisional')))
    .orderBy(calendarEntries.id);
  const awaiting = awaitingOrganiser(waiting.map((e) => e.id));
  const [refund] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.orderId, orderId), eq(refunds.key, UNHONOURED_REFUND_KEY)));
  if (!refund) return { unhonoured: [], ...awaiting };
  // The refund keeps its lines; one recorded before it did has them in its event.
  let lines = refund.lines;
  if (lines.length === 0) {
    const [event] = await tx.query.outboxEvents.findMany({
      where: (e, { eq: equals }) => equals(e.key, `order.refund_due:${orderId}`),
    });
    lines = (event?.payload as { lines?: LineProblem[] } | undefined)?.lines ?? [];
  }
  return {
    unhonoured: lines,
    ...awaiting,
    refund: { refundId: refund.id, amountMinor: refund.amountMinor, currency: refund.currency },
  };
}
