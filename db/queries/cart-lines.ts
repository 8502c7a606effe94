import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import {
  calendarEntries,
  calendarSlots,
  cartLines,
  orders,
  products,
  tickets,
  ticketTypes,
} from '../schema/index.ts';
import { lockCalendars, timeTaken } from './booking-clashes.ts';
import type { LineProblem, Shopper } from '../../workflows/checkout-types.ts';

const ownedBy = (shopper: Shopper) =>
  shopper.userId !== undefined
    ? eq(cartLines.userId, shopper.userId)
    : and(eq(cartLines.sessionId, shopper.sessionId), isNull(cartLines.userId));

export type CartChange =
  | 'ok'
  | 'unknown_product'
  | 'unknown_entry'
  | 'unknown_ticket_type'
  | 'unknown_slot'
  | 'time_taken';

/** Adds to the shopper's line for a product (making it if needed), in one statement. */
export async function addProduct(
  db: Database,
  shopper: Shopper,
  productId: number,
  quantity: number,
): Promise<CartChange> {
  const [product] = await db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.id, productId), eq(products.active, true)));
  if (!product) return 'unknown_product';
  const target =
    shopper.userId !== undefined
      ? {
          target: [cartLines.userId, cartLines.productId],
          targetWhere: sql`${cartLines.deletedAt} IS NULL AND ${cartLines.userId} IS NOT NULL`,
        }
      : {
          target: [cartLines.sessionId, cartLines.productId],
          targetWhere: sql`${cartLines.deletedAt} IS NULL AND ${cartLines.userId} IS NULL`,
        };
  await db
    .insert(cartLines)
    .values({
      userId: shopper.userId ?? null,
      sessionId: shopper.sessionId ?? null,
      productId,
      quantity,
    })
    .onConflictDoUpdate({ ...target, set: { quantity: sql`${cartLines.quantity} + ${quantity}` } });
  return 'ok';
}

/**
 * Sets the quantity of the shopper's line; zero removes it. Answers whether a line was there.
 * A removed line is soft-deleted: an order that took it keeps its item (order_items names it).
 */
export async function setProductQuantity(
  db: Database,
  shopper: Shopper,
  productId: number,
  quantity: number,
): Promise<boolean> {
  const live = and(
    ownedBy(shopper),
    eq(cartLines.productId, productId),
    isNull(cartLines.deletedAt),
  );
  const changed =
    quantity === 0
      ? await db
          .update(cartLines)
          .set({ deletedAt: new Date() })
          .where(live)
          .returning({ id: cartLines.id })
      : await db.update(cartLines).set({ quantity }).where(live).returning({ id: cartLines.id });
  return changed.length > 0;
}

/**
 * Books a slot at `startsAt`: a pending calendar entry in the shopper's cart, priced from
 * the slot. Refused when the time is already held on that calendar or already in this cart;
 * the calendar's lock makes two bookings of the same hour wait for each other.
 */
export function addBooking(
  db: Database,
  shopper: Shopper,
  slotId: number,
  startsAt: Date,
): Promise<{ change: CartChange; entryId?: number }> {
  return db.transaction(async (tx) => {
    const [slot] = await tx
      .select()
      .from(calendarSlots)
      .where(and(eq(calendarSlots.id, slotId), eq(calendarSlots.active, true)));
    if (!slot) return { change: 'unknown_slot' as const };
    await lockCalendars(tx, [slot.calendarId]);
    const endsAt = new Date(startsAt.getTime() + slot.durationMinutes * 60_000);
    if (await timeTaken(tx, slot.calendarId, startsAt, endsAt, shopper)) {
      return { change: 'time_taken' as const };
    }
    const [entry] = await tx
      .insert(calendarEntries)
      .values({
        calendarId: slot.calendarId,
        slotId: slot.id,
        name: slot.name,
        startsAt,
        endsAt,
        userId: shopper.userId ?? null,
        sessionId: shopper.sessionId ?? null,
        costMinor: slot.costMinor,
        currency: slot.currency,
      })
      .returning({ id: calendarEntries.id });
    return { change: 'ok' as const, entryId: entry!.id };
  });
}

/** Takes a pending booking out of its owner's cart. Answers whether there was one. */
export async function removeBooking(
  db: Database,
  shopper: Shopper,
  entryId: number,
): Promise<boolean> {
  const owns =
    shopper.userId !== undefined
      ? eq(calendarEntries.userId, shopper.userId)
      : and(eq(calendarEntries.sessionId, shopper.sessionId), isNull(calendarEntries.userId));
  const removed = await db
    .update(calendarEntries)
    .set({ state: 'cancelled' })
    .where(and(eq(calendarEntries.id, entryId), owns, eq(calendarEntries.state, 'pending')))
    .returning({ id: calendarEntries.id });
  return removed.length > 0;
}

/** Puts `quantity` pending tickets in a signed-in shopper's cart. They hold no seat yet. */
export async function buyTickets(
  db: Database,
  userId: string,
  entryId: number,
  ticketTypeId: number | null,
  quantity: number,
): Promise<CartChange> {
  const [entry] = await db
    .select({ id: calendarEntries.id })
    .from(calendarEntries)
    .where(and(eq(calendarEntries.id, entryId), eq(calendarEntries.state, 'confirmed')));
  if (!entry) return 'unknown_entry';
  if (ticketTypeId !== null) {
    const [type] = await db
      .select({ id: ticketTypes.id })
      .from(ticketTypes)
      .where(and(eq(ticketTypes.id, ticketTypeId), eq(ticketTypes.entryId, entryId)));
    if (!type) return 'unknown_ticket_type';
  }
  await db
    .insert(tickets)
    .values(Array.from({ length: quantity }, () => ({ entryId, ticketTypeId, userId })));
  return 'ok';
}

/**
 * Takes a pending ticket out of its owner's cart (it is cancelled: an order that once held it
 * keeps its item). Answers whether there was one.
 */
export async function removeTicket(
  db: Database,
  userId: string,
  ticketId: number,
): Promise<boolean> {
  const removed = await db
    .update(tickets)
    .set({ state: 'cancelled' })
    .where(and(eq(tickets.id, ticketId), eq(tickets.userId, userId), eq(tickets.state, 'pending')))
    .returning({ id: tickets.id });
  return removed.length > 0;
}

/**
 * On sign-in, the anonymous session's cart and orders become the user's: product lines merge
 * into the user's (quantities added, no duplicate lines), bookings change owner unless the
 * user already holds that time (then the user's stays, and the session's is dropped and
 * answered), and the session's orders move to the user. One transaction, and adopting again
 * changes nothing. The session's open checkouts must have ended first (api/routes/cart.ts).
 */
export function adoptSessionCart(
  db: Database,
  sessionId: string,
  userId: string,
): Promise<LineProblem[]> {
  return db.transaction(async (tx) => {
    await tx
      .update(orders)
      .set({ userId })
      .where(and(eq(orders.sessionId, sessionId), isNull(orders.userId)));
    const sessionLines = await tx
      .select()
      .from(cartLines)
      .where(
        and(
          eq(cartLines.sessionId, sessionId),
          isNull(cartLines.userId),
          isNull(cartLines.deletedAt),
        ),
      )
      .for('update');
    for (const line of sessionLines) {
      const [merged] = await tx
        .update(cartLines)
        .set({ quantity: sql`${cartLines.quantity} + ${line.quantity}` })
        .where(
          and(
            eq(cartLines.userId, userId),
            eq(cartLines.productId, line.productId),
            isNull(cartLines.deletedAt),
          ),
        )
        .returning({ id: cartLines.id });
      // Merged into the user's line: soft-deleted, since an order may name it.
      if (merged)
        await tx.update(cartLines).set({ deletedAt: new Date() }).where(eq(cartLines.id, line.id));
      else await tx.update(cartLines).set({ userId }).where(eq(cartLines.id, line.id));
    }
    const bookings = await tx
      .select()
      .from(calendarEntries)
      .where(
        and(
          eq(calendarEntries.sessionId, sessionId),
          isNull(calendarEntries.userId),
          eq(calendarEntries.state, 'pending'),
        ),
      );
    await lockCalendars(tx, [...new Set(bookings.map((b) => b.calendarId))]);
    // The session's bookings of hours the user holds already: dropped, and said so.
    const dropped: LineProblem[] = [];
    for (const booking of bookings) {
      const clash =
        booking.endsAt !== null &&
        (await timeTaken(tx, booking.calendarId, booking.startsAt, booking.endsAt, { userId }));
      if (clash)
        dropped.push({
          kind: 'booking',
          id: booking.id,
          title: booking.name,
          reason: 'time_taken',
        });
      await tx
        .update(calendarEntries)
        .set(clash ? { state: 'cancelled' } : { userId })
        .where(eq(calendarEntries.id, booking.id));
    }
    return dropped;
  });
}
