import { and, eq, inArray, or } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { orderItems, orders } from '../schema/index.ts';
import type { LineKind } from '../../workflows/checkout-types.ts';

/** A cart line, booking or ticket, by its kind and its own id. */
export interface LineRef {
  kind: LineKind;
  id: number;
}

/** A line that an open (pending) order holds, and that order's checkout scope. */
export interface HeldLine extends LineRef {
  orderId: number;
  /** The holding order's page; null for a global checkout. */
  pageId: number | null;
}

const columnOf = {
  product: orderItems.cartLineId,
  booking: orderItems.calendarEntryId,
  ticket: orderItems.ticketId,
} as const;

/** An order item's line columns, as `lineIdOf` reads them. */
export const itemLineColumns = {
  kind: orderItems.kind,
  cartLineId: orderItems.cartLineId,
  entryId: orderItems.calendarEntryId,
  ticketId: orderItems.ticketId,
};

/** The id of the line an order item holds, by its kind: a cart line, an entry or a ticket. */
export const lineIdOf = (item: {
  kind: LineKind;
  cartLineId: number | null;
  entryId: number | null;
  ticketId: number | null;
}): number =>
  (item.kind === 'product'
    ? item.cartLineId
    : item.kind === 'booking'
      ? item.entryId
      : item.ticketId)!;

/**
 * Which of these lines an open order holds (`order_items.open`, one order per line by a unique
 * index). Callers lock the lines' rows first, so that an order made meanwhile has committed
 * and is seen here.
 */
export async function heldLines(tx: Executor, lines: readonly LineRef[]): Promise<HeldLine[]> {
  const byKind = (['product', 'booking', 'ticket'] as const)
    .map((kind) => {
      const ids = lines.filter((line) => line.kind === kind).map((line) => line.id);
      return ids.length ? inArray(columnOf[kind], ids) : undefined;
    })
    .filter((clause) => clause !== undefined);
  if (byKind.length === 0) return [];
  const rows = await tx
    .select({
      ...itemLineColumns,
      orderId: orders.id,
      pageId: orders.pageId,
    })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(and(eq(orderItems.open, true), or(...byKind)));
  return rows.map((row) => ({
    kind: row.kind,
    id: lineIdOf(row),
    orderId: row.orderId,
    pageId: row.pageId,
  }));
}
