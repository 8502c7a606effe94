import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { orders } from '../../db/schema/index.ts';
import {
  EVENT_VERSION,
  eventSchemas,
  type EventData,
  type EventType,
  type OrderData,
} from './event-types.ts';
import { recordEvent, type RecordedEvent } from './record-event.ts';

/**
 * The order as its events carry it: enough for a consumer to act without calling back. Its
 * row is locked: one order's events take their ids in the order they commit, which is the
 * order the relay sends them in, so the order's writers take turns.
 */
async function readOrderData(tx: Executor, orderId: number): Promise<OrderData> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw new Error(`order ${orderId} does not exist`);
  const { rows } = await tx.execute<{
    id: number;
    kind: 'product' | 'booking' | 'ticket';
    page_id: number | null;
    product_id: number | null;
    calendar_entry_id: number | null;
    ticket_id: number | null;
    title: string;
    quantity: number;
    unit_price_minor: number;
    currency: string;
  }>(sql`
    SELECT i.id, i.kind, coalesce(p.page_id, bc.page_id, tc.page_id) AS page_id, i.product_id,
           i.calendar_entry_id, i.ticket_id, i.title, i.quantity, i.unit_price_minor, i.currency
    FROM order_items i
    LEFT JOIN products p ON p.id = i.product_id
    LEFT JOIN calendar_entries be ON be.id = i.calendar_entry_id
    LEFT JOIN calendars bc ON bc.id = be.calendar_id
    LEFT JOIN tickets t ON t.id = i.ticket_id
    LEFT JOIN calendar_entries te ON te.id = t.entry_id
    LEFT JOIN calendars tc ON tc.id = te.calendar_id
    WHERE i.order_id = ${orderId}
    ORDER BY i.id`);
  return {
    orderId: order.id,
    status: order.status,
    shopper: { userId: order.userId, sessionId: order.sessionId },
    pageId: order.pageId,
    currency: order.currency,
    totalMinor: order.totalMinor,
    items: rows.map((row) => ({
      itemId: row.id,
      kind: row.kind,
      pageId: row.page_id,
      productId: row.product_id,
      calendarEntryId: row.calendar_entry_id,
      ticketId: row.ticket_id,
      title: row.title,
      quantity: row.quantity,
      unitPriceMinor: row.unit_price_minor,
      amountMinor: row.unit_price_minor * row.quantity,
      currency: row.currency,
    })),
    sumupCheckoutId: order.sumupCheckoutId,
    sumupTransactionId: order.sumupTransactionId,
    createdAt: order.createdAt.toISOString(),
    paidAt: order.paidAt?.toISOString() ?? null,
  };
}

/**
 * Records an order's event in the caller's transaction: the order as it is now (read after
 * the change the event describes), the event's own fields, checked by its schema.
 */
export async function recordOrderEvent<T extends EventType>(
  tx: Executor,
  type: T,
  orderId: number,
  key: string,
  fields: Omit<EventData<T>, 'version' | 'order'>,
): Promise<RecordedEvent> {
  const data = eventSchemas[type].parse({
    version: EVENT_VERSION,
    order: await readOrderData(tx, orderId),
    ...fields,
  }) as Record<string, unknown>;
  return recordEvent(tx, { type, key, orderId, payload: data });
}
