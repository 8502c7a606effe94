import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../client.ts';
import {
  calendarEntries,
  calendars,
  calendarSlots,
  cartLines,
  orderItems,
  orders,
  products,
  tickets,
  ticketTypes,
} from '../schema/index.ts';
import { eventOnSale, productOnSale, slotOnSale, ticketTypeOnSale } from './on-sale.ts';
import { slotOpenAt } from './slot-times.ts';
import { lockCalendars, timeTaken } from './booking-clashes.ts';
import type { LineKind, LineProblem, Shopper } from '../../workflows/checkout-types.ts';
import { heldLines, itemLineColumns, lineIdOf, type HeldLine } from './held-lines.ts';

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
 * changes nothing.
 *
 * The session's open checkouts are handed over, not ended: their orders become the user's,
 * and the lines they hold move with them into the user's cart, each as the same row (the
 * order's items name it), so that paying takes them out of the user's cart and an expiry or
 * a cancel leaves them there. A user's line of the same product merges into the held line
 * (the user's soft-deleted), since one live line per shopper and product. Nothing is adopted
 * where a line that would merge is held by one of the user's own open checkouts, or where the
 * user already has an open checkout of the scope of one of the session's.
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
          .select({ id: cartLines.id, productId: cartLines.productId, title: products.title })
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
    // The session's bookings, locked as every booking is: its calendars first. `ordered`
    // ones are held by the session's open checkouts, and move with them.
    const sessionBookings = and(
      eq(calendarEntries.sessionId, sessionId),
      isNull(calendarEntries.userId),
      inArray(calendarEntries.state, ['pending', 'ordered']),
    );
    const calendarIds = await tx
      .selectDistinct({ id: calendarEntries.calendarId })
      .from(calendarEntries)
      .where(sessionBookings);
    await lockCalendars(
      tx,
      calendarIds.map((c) => c.id),
    );
    const bookings = await tx
      .select()
      .from(calendarEntries)
      .where(sessionBookings)
      .orderBy(calendarEntries.id)
      .for('update');
    const asProducts = (ls: { id: number; title: string }[]) =>
      ls.map((l) => ({ kind: 'product' as const, id: l.id, title: l.title }));
    const inCheckout = (held: HeldLine[], lines: { kind: LineKind; id: number; title: string }[]) =>
      held.map((h) => ({
        kind: h.kind,
        id: h.id,
        title: lines.find((line) => line.kind === h.kind && line.id === h.id)!.title,
        reason: 'in_checkout' as const,
      }));
    // A user's line that the user's own open checkout holds cannot take a merge.
    const userHeld = await heldLines(tx, asProducts(userLines));
    if (userHeld.length) return { inCheckout: inCheckout(userHeld, asProducts(userLines)) };
    const sessionHeld = await heldLines(tx, [
      ...asProducts(sessionLines),
      ...bookings.map((b) => ({ kind: 'booking' as const, id: b.id })),
    ]);
    // One checkout per shopper and scope: the user's own open one of a scope the session's
    // has too stands in the way, with the lines it holds.
    const clash = await userCheckoutOfScopes(
      tx,
      userId,
      sessionHeld.map((h) => h.pageId),
    );
    if (clash.length) return { inCheckout: clash };
    const heldIds = (kind: LineKind) =>
      new Set(sessionHeld.filter((h) => h.kind === kind).map((h) => h.id));
    const heldProducts = heldIds('product');
    const heldBookings = heldIds('booking');

    await tx
      .update(orders)
      .set({ userId })
      .where(and(eq(orders.sessionId, sessionId), isNull(orders.userId)));
    for (const line of sessionLines) {
      const usersLine = userLines.find((l) => l.productId === line.productId);
      if (heldProducts.has(line.id)) {
        // The checkout's row stays the line: the user's of the same product merges into it.
        let quantity = line.quantity;
        if (usersLine) {
          const [merged] = await tx
            .update(cartLines)
            .set({ deletedAt: new Date() })
            .where(eq(cartLines.id, usersLine.id))
            .returning({ quantity: cartLines.quantity });
          quantity += merged!.quantity;
        }
        await tx.update(cartLines).set({ userId, quantity }).where(eq(cartLines.id, line.id));
      } else if (usersLine) {
        await tx
          .update(cartLines)
          .set({ quantity: sql`${cartLines.quantity} + ${line.quantity}` })
          .where(eq(cartLines.id, usersLine.id));
        // Merged into the user's line: soft-deleted, since an order may name it.
        await tx.update(cartLines).set({ deletedAt: new Date() }).where(eq(cartLines.id, line.id));
      } else await tx.update(cartLines).set({ userId }).where(eq(cartLines.id, line.id));
    }
    // The session's bookings of hours the user holds already: dropped, and said so. One its
    // checkout holds keeps its hour (the order has it), and moves.
    const dropped: LineProblem[] = [];
    for (const booking of bookings) {
      const clash =
        !heldBookings.has(booking.id) &&
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

/** The lines held by the user's own open checkouts of these scopes (page ids, null global). */
async function userCheckoutOfScopes(
  tx: Transaction,
  userId: string,
  pageIds: (number | null)[],
): Promise<LineProblem[]> {
  if (pageIds.length === 0) return [];
  const pages = [...new Set(pageIds)];
  const ids = pages.filter((id) => id !== null);
  const scopes = [
    ...(ids.length ? [inArray(orders.pageId, ids)] : []),
    ...(pages.includes(null) ? [isNull(orders.pageId)] : []),
  ];
  const rows = await tx
    .select({
      ...itemLineColumns,
      title: orderItems.title,
    })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(
      and(
        eq(orders.userId, userId),
        eq(orders.status, 'pending'),
        eq(orderItems.open, true),
        or(...scopes),
      ),
    )
    .orderBy(orderItems.id);
  return rows.map((row) => ({
    kind: row.kind,
    id: lineIdOf(row),
    title: row.title,
    reason: 'in_checkout' as const,
  }));
}
