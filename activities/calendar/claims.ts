import { and, eq, inArray } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.ts';
import { calendarEntries, orderItems, orders, tickets } from '../../db/schema/index.ts';
import type { ClaimResult, ClosedOutcome, LineProblem } from '../../workflows/checkout-types.ts';
import { clashingBookings } from '../../db/queries/booking-clashes.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { lockSeats, lockTickets, seatGroupKey, type SeatGroup } from './capacity.ts';

/** The order's booking and ticket items, and the seat groups its tickets draw on. */
export async function claimedItems(tx: Transaction, orderId: number) {
  const items = await tx
    .select({
      kind: orderItems.kind,
      title: orderItems.title,
      entryId: orderItems.calendarEntryId,
      ticketId: orderItems.ticketId,
      ticketEntryId: tickets.entryId,
      ticketTypeId: tickets.ticketTypeId,
    })
    .from(orderItems)
    .leftJoin(tickets, eq(tickets.id, orderItems.ticketId))
    .where(eq(orderItems.orderId, orderId));
  const ticketItems = items.filter((i) => i.kind === 'ticket');
  return {
    bookings: items
      .filter((i) => i.kind === 'booking')
      .map((i) => ({ id: i.entryId!, title: i.title })),
    tickets: ticketItems.map((i) => ({ id: i.ticketId!, title: i.title })),
    seatGroups: uniqueGroups(
      ticketItems.map((i) => ({ entryId: i.ticketEntryId!, ticketTypeId: i.ticketTypeId })),
    ),
  };
}

/**
 * Locks everything the order's bookings and tickets draw on, in the one order every taker
 * keeps (calendars, entries with untyped capacities, ticket types, tickets), and answers what
 * claiming or confirming decides on: the rows, the seats left and the booking clashes.
 */
export async function lockOrderClaims(tx: Transaction, orderId: number) {
  const { bookings, tickets: ticketItems, seatGroups } = await claimedItems(tx, orderId);
  const bookingIds = bookings.map((b) => b.id);
  const clashes = await clashingBookings(tx, bookingIds, orderId);
  const seatsLeft = await lockSeats(tx, seatGroups, orderId, bookingIds);
  const entryRows = bookingIds.length
    ? await tx.select().from(calendarEntries).where(inArray(calendarEntries.id, bookingIds))
    : [];
  const lockedTickets = await lockTickets(
    tx,
    ticketItems.map((t) => t.id),
  );
  return { bookings, ticketItems, bookingIds, clashes, seatsLeft, entryRows, lockedTickets };
}

/**
 * Claims the order's calendar entries (pending → ordered) and tickets (pending → reserved)
 * all together or not at all, with ticket capacity checked under row locks: pending tickets
 * in other carts never count, seats held by other orders do. Claiming again changes nothing.
 */
export function claimEntriesAndTickets(db: Database, orderId: number): Promise<ClaimResult> {
  return db.transaction((tx) => claimIn(tx, orderId));
}

/** `claimEntriesAndTickets`'s work inside a transaction the caller holds. */
export async function claimIn(tx: Transaction, orderId: number): Promise<ClaimResult> {
  const { bookings, ticketItems, bookingIds, clashes, seatsLeft, entryRows, lockedTickets } =
    await lockOrderClaims(tx, orderId);
  const problems: LineProblem[] = [];

  for (const booking of bookings) {
    const entry = entryRows.find((e) => e.id === booking.id);
    const mine = entry?.state === 'ordered' && entry.orderId === orderId;
    if (!mine && !(entry?.state === 'pending' && entry.orderId === null)) {
      problems.push({
        kind: 'booking',
        id: booking.id,
        title: booking.title,
        reason: 'booking_unavailable',
      });
    } else if (clashes.has(booking.id)) {
      problems.push({
        kind: 'booking',
        id: booking.id,
        title: booking.title,
        reason: 'time_taken',
      });
    }
  }
  const toReserve: number[] = [];
  for (const item of ticketItems) {
    const ticket = lockedTickets.find((t) => t.id === item.id);
    if (ticket?.state === 'reserved' && ticket.orderId === orderId) continue;
    if (ticket?.state !== 'pending' || ticket.orderId !== null) {
      problems.push({
        kind: 'ticket',
        id: item.id,
        title: item.title,
        reason: 'ticket_unavailable',
      });
      continue;
    }
    const key = seatGroupKey(ticket);
    const left = seatsLeft.get(key) ?? 0;
    // This order's own reserved seats are not counted in `left`: count them as taken here.
    const mineAlready = lockedTickets.filter(
      (t) => t.state === 'reserved' && t.orderId === orderId && seatGroupKey(t) === key,
    ).length;
    const wanted = toReserve.filter(
      (id) => seatGroupKey(lockedTickets.find((t) => t.id === id)!) === key,
    ).length;
    if (left - mineAlready - wanted <= 0) {
      problems.push({ kind: 'ticket', id: item.id, title: item.title, reason: 'sold_out' });
    } else {
      toReserve.push(item.id);
    }
  }
  if (problems.length > 0) return { claimed: false, problems };

  if (bookingIds.length) {
    await tx
      .update(calendarEntries)
      .set({ state: 'ordered', orderId })
      .where(and(inArray(calendarEntries.id, bookingIds), eq(calendarEntries.state, 'pending')));
  }
  if (toReserve.length) {
    await tx
      .update(tickets)
      .set({ state: 'reserved', orderId })
      .where(inArray(tickets.id, toReserve));
  }
  return { claimed: true };
}

/**
 * Gives the order's claims back to the cart (entries → pending, tickets → pending) and
 * closes the order with its outcome and event. Only a pending order is released: a paid
 * one never is, and releasing twice changes nothing.
 */
export function releaseClaims(
  db: Database,
  orderId: number,
  outcome: ClosedOutcome,
  reason?: string,
): Promise<void> {
  return db.transaction((tx) => releaseIn(tx, orderId, outcome, reason));
}

/** `releaseClaims`'s work inside a transaction the caller holds. */
export async function releaseIn(
  tx: Transaction,
  orderId: number,
  outcome: ClosedOutcome,
  reason?: string,
): Promise<void> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order || order.status !== 'pending') return;
  await tx
    .update(calendarEntries)
    .set({ state: 'pending', orderId: null })
    .where(and(eq(calendarEntries.orderId, orderId), eq(calendarEntries.state, 'ordered')));
  await tx
    .update(tickets)
    .set({ state: 'pending', orderId: null })
    .where(and(eq(tickets.orderId, orderId), eq(tickets.state, 'reserved')));
  await tx
    .update(orders)
    .set({ status: outcome, closedAt: new Date() })
    .where(eq(orders.id, orderId));
  await recordOrderEvent(tx, 'order.closed', orderId, `order.closed:${orderId}`, {
    outcome,
    reason: reason ?? null,
  });
}

export function uniqueGroups(rows: SeatGroup[]): SeatGroup[] {
  const byKey = new Map(
    rows.map((r) => [seatGroupKey(r), { entryId: r.entryId, ticketTypeId: r.ticketTypeId }]),
  );
  return [...byKey.values()].sort(
    (a, b) => a.entryId - b.entryId || (a.ticketTypeId ?? 0) - (b.ticketTypeId ?? 0),
  );
}
