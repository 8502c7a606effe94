import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../client.ts';
import {
  calendarEntries,
  calendars,
  calendarSlots,
  cartLines,
  orders,
  products,
  tickets,
  ticketTypes,
} from '../schema/index.ts';
import { eventOnSale, productOnSale, slotOnSale, ticketTypeOnSale } from './on-sale.ts';
import { slotOpenAt } from './slot-times.ts';
import { lockCalendars, timeTaken } from './booking-clashes.ts';
import type { LineKind, LineProblem, Shopper } from '../../workflows/checkout-types.ts';
import { heldLines } from './held-lines.ts';

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
  /** Not a day or time the slot may be booked at. */
  | 'slot_closed'
  | 'time_taken'
  /** An open checkout holds the line: it changes once that checkout ends. */
  | 'line_in_checkout';

/** What became of a change to, or removal of, one line in the cart. */
export type LineEdit = 'ok' | 'not_found' | 'line_in_checkout';

/** Adds to the shopper's line for a product (making it if needed), unless a checkout holds it. */
export async function addProduct(
  db: Database,
  shopper: Shopper,
  productId: number,
  quantity: number,
): Promise<CartChange> {
  const [product] = await db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.id, productId), productOnSale));
  if (!product) return 'unknown_product';
  const liveLine =
    shopper.userId !== undefined
      ? {
          target: [cartLines.userId, cartLines.productId],
          where: sql`${cartLines.deletedAt} IS NULL AND ${cartLines.userId} IS NOT NULL`,
        }
      : {
          target: [cartLines.sessionId, cartLines.productId],
          where: sql`${cartLines.deletedAt} IS NULL AND ${cartLines.userId} IS NULL`,
        };
  return db.transaction(async (tx) => {
    // Twice at most: a line another request makes meanwhile is found on the second pass.
    for (;;) {
      const line = await lockLiveLine(tx, shopper, productId);
      if (line) {
        if (await held(tx, 'product', line.id)) return 'line_in_checkout';
        await tx
          .update(cartLines)
          .set({ quantity: sql`${cartLines.quantity} + ${quantity}` })
          .where(eq(cartLines.id, line.id));
        return 'ok';
      }
      const made = await tx
        .insert(cartLines)
        .values({
          userId: shopper.userId ?? null,
          sessionId: shopper.sessionId ?? null,
          productId,
          quantity,
        })
        .onConflictDoNothing(liveLine)
        .returning({ id: cartLines.id });
      if (made.length) return 'ok';
    }
  });
}

/**
 * The shopper's live line for a product, locked: an order taking it (which locks it too) has
 * either committed, and holds it, or waits until this transaction ends.
 */
async function lockLiveLine(tx: Transaction, shopper: Shopper, productId: number) {
  const [line] = await tx
    .select({ id: cartLines.id })
    .from(cartLines)
    .where(and(ownedBy(shopper), eq(cartLines.productId, productId), isNull(cartLines.deletedAt)))
    .for('update');
  return line;
}

/** Whether an open checkout holds the line; its row is locked by the caller. */
const held = async (tx: Transaction, kind: LineKind, id: number) =>
  (await heldLines(tx, [{ kind, id }])).length > 0;

/**
 * Sets the quantity of the shopper's line; zero removes it. A removed line is soft-deleted:
 * an order that took it keeps its item (order_items names it). A line an open checkout
 * holds stays as that checkout took it.
 */
export function setProductQuantity(
  db: Database,
  shopper: Shopper,
  productId: number,
  quantity: number,
): Promise<LineEdit> {
  return db.transaction(async (tx) => {
    const line = await lockLiveLine(tx, shopper, productId);
    if (!line) return 'not_found';
    if (await held(tx, 'product', line.id)) return 'line_in_checkout';
    await tx
      .update(cartLines)
      .set(quantity === 0 ? { deletedAt: new Date() } : { quantity })
      .where(eq(cartLines.id, line.id));
    return 'ok';
  });
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
    const [found] = await tx
      .select({ slot: calendarSlots, timeZone: calendars.timeZone })
      .from(calendarSlots)
      .innerJoin(calendars, eq(calendars.id, calendarSlots.calendarId))
      .where(and(eq(calendarSlots.id, slotId), slotOnSale));
    if (!found) return { change: 'unknown_slot' as const };
    const { slot } = found;
    if (!slotOpenAt(slot, found.timeZone, startsAt)) return { change: 'slot_closed' as const };
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

/** Takes a pending booking out of its owner's cart, unless a checkout holds it. */
export function removeBooking(db: Database, shopper: Shopper, entryId: number): Promise<LineEdit> {
  const owns =
    shopper.userId !== undefined
      ? eq(calendarEntries.userId, shopper.userId)
      : and(eq(calendarEntries.sessionId, shopper.sessionId), isNull(calendarEntries.userId));
  return db.transaction(async (tx) => {
    // `ordered`: an open order has claimed it, and holds it.
    const [entry] = await tx
      .select({ state: calendarEntries.state })
      .from(calendarEntries)
      .where(
        and(
          eq(calendarEntries.id, entryId),
          owns,
          inArray(calendarEntries.state, ['pending', 'ordered']),
        ),
      )
      .for('update');
    if (!entry) return 'not_found';
    if (await held(tx, 'booking', entryId)) return 'line_in_checkout';
    if (entry.state !== 'pending') return 'not_found';
    await tx
      .update(calendarEntries)
      .set({ state: 'cancelled' })
      .where(eq(calendarEntries.id, entryId));
    return 'ok';
  });
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
    .where(and(eq(calendarEntries.id, entryId), eventOnSale));
  if (!entry) return 'unknown_entry';
  if (ticketTypeId !== null) {
    const [type] = await db
      .select({ id: ticketTypes.id })
      .from(ticketTypes)
      .where(
        and(eq(ticketTypes.id, ticketTypeId), eq(ticketTypes.entryId, entryId), ticketTypeOnSale),
      );
    if (!type) return 'unknown_ticket_type';
  }
  await db
    .insert(tickets)
    .values(Array.from({ length: quantity }, () => ({ entryId, ticketTypeId, userId })));
  return 'ok';
}

/**
 * Takes a pending ticket out of its owner's cart (it is cancelled: an order that once held it
 * keeps its item), unless a checkout holds it.
 */
export function removeTicket(db: Database, userId: string, ticketId: number): Promise<LineEdit> {
  return db.transaction(async (tx) => {
    // `reserved`: an open order has claimed it, and holds it.
    const [ticket] = await tx
      .select({ state: tickets.state })
      .from(tickets)
      .where(
        and(
          eq(tickets.id, ticketId),
          eq(tickets.userId, userId),
          inArray(tickets.state, ['pending', 'reserved']),
        ),
      )
      .for('update');
    if (!ticket) return 'not_found';
    if (await held(tx, 'ticket', ticketId)) return 'line_in_checkout';
    if (ticket.state !== 'pending') return 'not_found';
    await tx.update(tickets).set({ state: 'cancelled' }).where(eq(tickets.id, ticketId));
    return 'ok';
  });
}

/**
 * On sign-in, the anonymous session's cart and orders become the user's: product lines merge
 * into the user's (quantities added, no duplicate lines), bookings change owner unless the
 * user already holds that time (then the user's stays, and the session's is dropped and
 * answered), and the session's orders move to the user. One transaction, and adopting again
 * changes nothing. The session's open checkouts must have ended first (api/routes/cart.ts);
 * a line of the user's that an open checkout holds cannot merge, and nothing is adopted.
 */
export function adoptSessionCart(
  db: Database,
  sessionId: string,
  userId: string,
): Promise<{ dropped: LineProblem[] } | { inCheckout: LineProblem[] }> {
  return db.transaction(async (tx) => {
    const sessionLines = await tx
      .select({
        id: cartLines.id,
        productId: cartLines.productId,
        quantity: cartLines.quantity,
        title: products.title,
      })
      .from(cartLines)
      .innerJoin(products, eq(products.id, cartLines.productId))
      .where(
        and(
          eq(cartLines.sessionId, sessionId),
          isNull(cartLines.userId),
          isNull(cartLines.deletedAt),
        ),
      )
      .orderBy(cartLines.id)
      .for('update', { of: cartLines });
    const userLines = sessionLines.length
      ? await tx
          .select({ id: cartLines.id, title: products.title })
          .from(cartLines)
          .innerJoin(products, eq(products.id, cartLines.productId))
          .where(
            and(
              eq(cartLines.userId, userId),
              inArray(
                cartLines.productId,
                sessionLines.map((line) => line.productId),
              ),
              isNull(cartLines.deletedAt),
            ),
          )
          .orderBy(cartLines.id)
          .for('update', { of: cartLines })
      : [];
    // The session's bookings, locked as every booking is: its calendars first.
    const pendingBookings = and(
      eq(calendarEntries.sessionId, sessionId),
      isNull(calendarEntries.userId),
      eq(calendarEntries.state, 'pending'),
    );
    const calendarIds = await tx
      .selectDistinct({ id: calendarEntries.calendarId })
      .from(calendarEntries)
      .where(pendingBookings);
    await lockCalendars(
      tx,
      calendarIds.map((c) => c.id),
    );
    const bookings = await tx
      .select()
      .from(calendarEntries)
      .where(pendingBookings)
      .orderBy(calendarEntries.id)
      .for('update');
    // A session checkout started since the session's were ended holds its lines, too.
    const lines = [
      ...[...userLines, ...sessionLines].map((l) => ({ kind: 'product' as const, ...l })),
      ...bookings.map((b) => ({ kind: 'booking' as const, id: b.id, title: b.name })),
    ];
    const held = await heldLines(tx, lines);
    if (held.length) {
      return {
        inCheckout: held.map((h) => ({
          kind: h.kind,
          id: h.id,
          title: lines.find((line) => line.kind === h.kind && line.id === h.id)!.title,
          reason: 'in_checkout' as const,
        })),
      };
    }
    await tx
      .update(orders)
      .set({ userId })
      .where(and(eq(orders.sessionId, sessionId), isNull(orders.userId)));
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
    return { dropped };
  });
}
