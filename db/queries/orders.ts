import { and, desc, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { calendarEntries, orderItems, orders, refunds, tickets } from '../schema/index.ts';
import type { CheckoutScope, Shopper } from '../../workflows/checkout-types.ts';

export type OrderRow = typeof orders.$inferSelect;

const ownedBy = (shopper: Shopper) =>
  shopper.userId !== undefined
    ? eq(orders.userId, shopper.userId)
    : and(eq(orders.sessionId, shopper.sessionId), isNull(orders.userId));

/**
 * The open checkout of this scope a signed-in shopper adopted from an anonymous session
 * (`adoptSessionCart`): its workflow keeps the session's id, so the user's checkout endpoints
 * find it here, by its pending order. None for an anonymous shopper.
 */
export async function adoptedCheckout(
  db: Database,
  shopper: Shopper,
  scope: CheckoutScope,
): Promise<{ workflowId: string; runId: string | undefined } | undefined> {
  if (shopper.userId === undefined) return undefined;
  const [order] = await db
    .select({ workflowId: orders.workflowId, runId: orders.workflowRunId })
    .from(orders)
    .where(
      and(
        eq(orders.userId, shopper.userId),
        isNotNull(orders.sessionId),
        eq(orders.status, 'pending'),
        scope.pageId === null ? isNull(orders.pageId) : eq(orders.pageId, scope.pageId),
      ),
    )
    .orderBy(desc(orders.id))
    .limit(1);
  return order ? { workflowId: order.workflowId, runId: order.runId ?? undefined } : undefined;
}

/** The order a SumUp checkout pays, with the workflow run that made it. */
export async function orderBySumupCheckout(db: Database, checkoutId: string) {
  const [order] = await db.select().from(orders).where(eq(orders.sumupCheckoutId, checkoutId));
  return order;
}

/** The order its unguessable token names; with `shopper`, only if it is theirs. */
export async function orderByToken(db: Database, token: string, shopper?: Shopper) {
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.publicToken, token), shopper ? ownedBy(shopper) : undefined));
  return order;
}

/**
 * The shopper's orders, newest first, a page at a time: `before` is the last order of the
 * previous page (its creation time and id), so paging is stable while new orders arrive.
 */
export function ordersOf(
  db: Database,
  shopper: Shopper,
  page: { limit: number; before?: { createdAt: Date; id: number } },
) {
  const { before } = page;
  return db
    .select()
    .from(orders)
    .where(
      and(
        ownedBy(shopper),
        before
          ? or(
              lt(orders.createdAt, before.createdAt),
              and(eq(orders.createdAt, before.createdAt), lt(orders.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(page.limit);
}

export interface OrderItemView {
  kind: 'product' | 'booking' | 'ticket';
  title: string;
  quantity: number;
  unitPriceMinor: number;
  currency: string;
  /** The booking's or ticket's state now (`cancelled` where it could not be honoured). */
  state: string | null;
  /** What the door scans, for a ticket this order paid for (confirmed or checked in). */
  ticketCode: string | null;
}

/** What the order holds now: its items with their bookings' and tickets' states, and refunds. */
export async function orderContents(db: Database, orderIds: number[]) {
  if (orderIds.length === 0)
    return new Map<number, { items: OrderItemView[]; refunds: RefundView[] }>();
  const items = await db
    .select({
      orderId: orderItems.orderId,
      kind: orderItems.kind,
      title: orderItems.title,
      quantity: orderItems.quantity,
      unitPriceMinor: orderItems.unitPriceMinor,
      currency: orderItems.currency,
      entryState: calendarEntries.state,
      ticketState: tickets.state,
      ticketCode: tickets.code,
      ticketOrderId: tickets.orderId,
    })
    .from(orderItems)
    .leftJoin(calendarEntries, eq(calendarEntries.id, orderItems.calendarEntryId))
    .leftJoin(tickets, eq(tickets.id, orderItems.ticketId))
    .where(inArray(orderItems.orderId, orderIds))
    .orderBy(orderItems.id);
  const owed = await db
    .select({
      orderId: refunds.orderId,
      amountMinor: refunds.amountMinor,
      currency: refunds.currency,
      reason: refunds.reason,
      status: refunds.status,
    })
    .from(refunds)
    .where(inArray(refunds.orderId, orderIds))
    .orderBy(refunds.id);
  return new Map(
    orderIds.map((id) => [
      id,
      {
        items: items
          .filter((i) => i.orderId === id)
          .map((i) => ({
            kind: i.kind,
            title: i.title,
            quantity: i.quantity,
            unitPriceMinor: i.unitPriceMinor,
            currency: i.currency,
            state: i.kind === 'booking' ? i.entryState : i.kind === 'ticket' ? i.ticketState : null,
            ticketCode:
              i.ticketOrderId === id &&
              (i.ticketState === 'confirmed' || i.ticketState === 'checked_in')
                ? i.ticketCode
                : null,
          })),
        refunds: owed
          .filter((r) => r.orderId === id)
          .map(({ amountMinor, currency, reason, status }) => ({
            amountMinor,
            currency,
            reason,
            status,
          })),
      },
    ]),
  );
}

export interface RefundView {
  amountMinor: number;
  currency: string;
  reason: string;
  status: 'due' | 'issued' | 'failed' | 'handled';
}
