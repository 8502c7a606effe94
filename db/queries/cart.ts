import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import {
  calendarEntries,
  calendars,
  cartLines,
  products,
  tickets,
  ticketTypes,
} from '../schema/index.ts';
import { bookingOnSale, eventOnSale, productOnSale, ticketTypeOnSale } from './on-sale.ts';

/** Who a cart belongs to: a signed-in user, else an anonymous session. */
export type Shopper =
  { userId: string; sessionId?: undefined } | { userId?: undefined; sessionId: string };

/** A global checkout takes every line; a page checkout only that page's. */
export type CheckoutScope = { pageId: number } | { pageId: null };

export interface PricedLine {
  kind: 'product' | 'booking' | 'ticket';
  /** cart_lines.id, calendar_entries.id or tickets.id, by kind. */
  id: number;
  productId?: number;
  pageId: number;
  title: string;
  quantity: number;
  unitPriceMinor: number | null;
  currency: string;
  /** With `withClaimed`: the order that has claimed the booking or ticket, if one has. */
  claimedBy?: number;
  /** Why the line cannot be bought now, if it cannot. */
  problem?:
    'product_unavailable' | 'booking_unavailable' | 'ticket_unavailable' | 'ticket_not_priced';
}

/**
 * The shopper's cart as the server prices it: product lines at the catalogue's current
 * price, pending bookings at the entry's cost, pending tickets at their type's cost or else
 * the entry's ticket price. Nothing here comes from the client. With `lock`, the lines' rows
 * stay locked until the transaction ends, so that no edit of the cart lands between the
 * snapshot and the order that takes it. With `withClaimed`, bookings and tickets an order
 * has claimed (ordered, reserved) come too, marked with that order: a checkout names them
 * as held by another rather than leaving them out.
 */
export async function readPricedCart(
  db: Executor,
  shopper: Shopper,
  scope: CheckoutScope,
  { lock = false, withClaimed = false }: { lock?: boolean; withClaimed?: boolean } = {},
): Promise<PricedLine[]> {
  const ownsLine: SQL | undefined =
    shopper.userId !== undefined
      ? eq(cartLines.userId, shopper.userId)
      : and(eq(cartLines.sessionId, shopper.sessionId), isNull(cartLines.userId));
  const ownsEntry: SQL | undefined =
    shopper.userId !== undefined
      ? eq(calendarEntries.userId, shopper.userId)
      : and(eq(calendarEntries.sessionId, shopper.sessionId), isNull(calendarEntries.userId));
  const onPage = (column: typeof products.pageId | typeof calendars.pageId) =>
    scope.pageId === null ? undefined : eq(column, scope.pageId);

  const productQuery = db
    .select({ line: cartLines, product: products, onSale: productOnSale })
    .from(cartLines)
    .innerJoin(products, eq(products.id, cartLines.productId))
    .where(and(ownsLine, isNull(cartLines.deletedAt), onPage(products.pageId)))
    .orderBy(cartLines.id);
  const productLines = lock
    ? await productQuery.for('update', { of: cartLines })
    : await productQuery;

  const bookingQuery = db
    .select({ entry: calendarEntries, pageId: calendars.pageId, onSale: bookingOnSale })
    .from(calendarEntries)
    .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
    .where(
      and(
        ownsEntry,
        inArray(calendarEntries.state, withClaimed ? ['pending', 'ordered'] : ['pending']),
        onPage(calendars.pageId),
      ),
    )
    .orderBy(calendarEntries.id);
  const bookings = lock
    ? await bookingQuery.for('update', { of: calendarEntries })
    : await bookingQuery;

  // Tickets need a signed-in shopper.
  const ticketQuery =
    shopper.userId !== undefined
      ? db
          .select({
            ticket: tickets,
            entry: calendarEntries,
            type: ticketTypes,
            pageId: calendars.pageId,
            onSale: sql<boolean>`(${eventOnSale} AND (${ticketTypes.id} IS NULL OR ${ticketTypeOnSale}))`,
          })
          .from(tickets)
          .innerJoin(calendarEntries, eq(calendarEntries.id, tickets.entryId))
          .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
          .leftJoin(ticketTypes, eq(ticketTypes.id, tickets.ticketTypeId))
          .where(
            and(
              eq(tickets.userId, shopper.userId),
              inArray(tickets.state, withClaimed ? ['pending', 'reserved'] : ['pending']),
              onPage(calendars.pageId),
            ),
          )
          .orderBy(tickets.id)
      : undefined;
  const pendingTickets = !ticketQuery
    ? []
    : lock
      ? await ticketQuery.for('update', { of: tickets })
      : await ticketQuery;

  return [
    ...productLines.map(({ line, product, onSale }): PricedLine => ({
      kind: 'product',
      id: line.id,
      productId: product.id,
      pageId: product.pageId,
      title: product.title,
      quantity: line.quantity,
      unitPriceMinor: product.priceMinor,
      currency: product.currency,
      ...(onSale ? {} : { problem: 'product_unavailable' as const }),
    })),
    ...bookings.map(({ entry, pageId, onSale }): PricedLine => ({
      kind: 'booking',
      id: entry.id,
      pageId,
      title: entry.name,
      quantity: 1,
      unitPriceMinor: entry.costMinor,
      currency: entry.currency,
      ...(entry.state === 'pending' ? {} : { claimedBy: entry.orderId! }),
      ...(onSale ? {} : { problem: 'booking_unavailable' as const }),
    })),
    ...pendingTickets.map(({ ticket, entry, type, pageId, onSale }): PricedLine => {
      const price = type ? type.costMinor : entry.ticketPriceMinor;
      return {
        kind: 'ticket',
        id: ticket.id,
        pageId,
        title: type ? `${entry.name}: ${type.name}` : entry.name,
        quantity: 1,
        unitPriceMinor: price,
        currency: type ? type.currency : entry.currency,
        ...(ticket.state === 'pending' ? {} : { claimedBy: ticket.orderId! }),
        ...(!onSale
          ? { problem: 'ticket_unavailable' as const }
          : price === null
            ? { problem: 'ticket_not_priced' as const }
            : {}),
      };
    }),
  ];
}
