import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.ts';
import {
  calendarEntries,
  orderItems,
  orders,
  outboxEvents,
  refunds,
  tickets,
} from '../../db/schema/index.ts';
import type { LineKind, LineProblem } from '../../workflows/checkout-types.ts';
import type { RefundAnswer, RefundCommand, RefundRequest } from '../../workflows/order-messages.ts';
import { lockTickets } from '../calendar/capacity.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { refundData } from '../events/refund-data.ts';

/**
 * Who a refund says asked when no one did: the page's policy on unanswered bookings. No
 * admin token's name has a colon (api/config.ts), so none can pass for it.
 */
export const POLICY_ACTOR = 'page:policy';

/** An order item as a refund decides on it. */
export interface RefundableItem {
  itemId: number;
  kind: LineKind;
  title: string;
  quantity: number;
  refundedQuantity: number;
  unitPriceMinor: number;
  /** The cart line, calendar entry or ticket. */
  lineId: number;
  ticketState: string | null;
  entryState: string | null;
}

type DecidedLine = LineProblem & { itemId: number; quantity: number };

export type RefundDecision =
  | Extract<RefundAnswer, { kind: 'refused' }>
  | { kind: 'refund'; amountMinor: number; lines: DecidedLine[] }
  /**
   * A decline or cancel of lines that cost nothing: they end (declined, cancelled, their
   * seats and times freed) with nothing to pay back, so no refund is recorded.
   */
  | { kind: 'nothing_owed'; lines: DecidedLine[] };

const refused = (
  status: 400 | 404 | 409,
  code: string,
  message: string,
  field?: string,
  amountLeftMinor?: number,
): RefundDecision => ({
  kind: 'refused',
  status,
  code,
  message,
  ...(field ? { field } : {}),
  ...(amountLeftMinor !== undefined ? { amountLeftMinor } : {}),
});

/**
 * What an admin's refund comes to, decided before anything is written: which lines and how
 * many of each, the amount, or why it is refused (the field at fault, the amount left).
 */
export function decideRefund(
  order: { status: string; totalMinor: number },
  items: RefundableItem[],
  refundedMinor: number,
  request: RefundRequest,
): RefundDecision {
  if (order.status !== 'paid') {
    return refused(409, 'order_not_paid', 'Only a paid order is refunded.');
  }
  const leftMinor = order.totalMinor - refundedMinor;
  if (request.kind === 'amount') {
    if (request.amountMinor > leftMinor) {
      return refused(
        409,
        'refund_exceeds_paid',
        'More than is left to refund.',
        'body.amountMinor',
        leftMinor,
      );
    }
    return { kind: 'refund', amountMinor: request.amountMinor, lines: [] };
  }
  if (request.kind === 'decline') {
    const booking = items.find((i) => i.kind === 'booking' && i.lineId === request.entryId);
    if (!booking) {
      return refused(404, 'booking_not_found', 'No such booking in this order.', 'path.entryId');
    }
    if (booking.entryState !== 'provisional') {
      return refused(
        409,
        'booking_not_provisional',
        `The booking is ${booking.entryState}: only a provisional one is declined.`,
        'path.entryId',
      );
    }
  }
  const wanted =
    request.kind === 'cancel'
      ? items
          .filter((i) => i.refundedQuantity < i.quantity)
          .map((i) => ({ itemId: i.itemId, quantity: undefined }))
      : request.kind === 'decline'
        ? items
            .filter((i) => i.kind === 'booking' && i.lineId === request.entryId)
            .map((i) => ({ itemId: i.itemId, quantity: undefined }))
        : request.lines;
  // Everything paid went back already: a cancel still ends what is left of the order if it
  // costs nothing (free lines, or the rest of a mixed order's lines refunded one by one). Lines
  // that cost money, all of it given back as goodwill, are not ended here: refund them by line.
  const costs = (line: { itemId: number }) =>
    (items.find((i) => i.itemId === line.itemId)?.unitPriceMinor ?? 0) > 0;
  if (request.kind === 'cancel' && leftMinor <= 0 && (wanted.length === 0 || wanted.some(costs))) {
    return refused(409, 'nothing_left_to_refund', 'Everything paid was refunded already.');
  }
  const lines: DecidedLine[] = [];
  for (const [index, line] of wanted.entries()) {
    const field = `body.lines[${index}]`;
    const item = items.find((i) => i.itemId === line.itemId);
    if (!item)
      return refused(400, 'unknown_item', 'No such item in this order.', `${field}.itemId`);
    if (lines.some((l) => l.itemId === item.itemId)) {
      return refused(400, 'duplicate_item', 'An item is named twice.', `${field}.itemId`);
    }
    const left = item.quantity - item.refundedQuantity;
    if (left === 0) {
      return refused(
        409,
        'line_already_refunded',
        'That line was refunded already.',
        `${field}.itemId`,
      );
    }
    const quantity = line.quantity ?? left;
    if (quantity > left) {
      return refused(
        400,
        'quantity_above_bought',
        `Only ${left} of that line is left to refund.`,
        `${field}.quantity`,
      );
    }
    if (item.ticketState === 'checked_in' && !('force' in request && request.force)) {
      return refused(
        409,
        'ticket_checked_in',
        'That ticket was checked in: refund it with force.',
        `${field}.itemId`,
      );
    }
    lines.push({
      itemId: item.itemId,
      kind: item.kind,
      id: item.lineId,
      title: item.title,
      reason: 'refunded',
      quantity,
    });
  }
  const linesMinor = lines.reduce(
    (sum, l) => sum + l.quantity * items.find((i) => i.itemId === l.itemId)!.unitPriceMinor,
    0,
  );
  // A cancel pays back all that is left, goodwill refunds taken off; lines never more.
  const amountMinor = request.kind === 'cancel' ? Math.max(leftMinor, 0) : linesMinor;
  if (amountMinor === 0) {
    // A decline or a cancel ends the lines whatever they cost: free ones with nothing owed,
    // or a free booking would stay provisional, its time held for good. A refund of lines
    // is a money action: of lines that cost nothing it changes nothing, and says so (a
    // cancel or decline ends them).
    if (request.kind === 'decline' || request.kind === 'cancel') {
      return { kind: 'nothing_owed', lines };
    }
    return refused(
      409,
      'nothing_to_refund',
      'Those lines cost nothing: there is nothing to pay back (a cancel or a decline ends them).',
      'body.lines',
    );
  }
  if (amountMinor > leftMinor) {
    return refused(
      409,
      'refund_exceeds_paid',
      'More than is left to refund.',
      'body.lines',
      leftMinor,
    );
  }
  return { kind: 'refund', amountMinor, lines };
}

/**
 * Records an admin's refund of a paid order, in one transaction under the order's lock: the
 * refund row (the intent, before anything is sent), the lines' refunded quantities, their
 * seats and booked times given back, and `order.refund_due` (and `order.cancelled`,
 * `booking.declined`). A decline or cancel of lines that cost nothing records no refund, only
 * its event (`refund: null`). The same request again answers the same.
 */
export function recordAdminRefund(db: Database, command: RefundCommand): Promise<RefundAnswer> {
  const key = `admin:${command.requestId}`;
  return db.transaction(async (tx) => {
    const [order] = await tx
      .select()
      .from(orders)
      .where(eq(orders.id, command.orderId))
      .for('update');
    if (!order) return refused(404, 'order_not_found', 'No such order.') as RefundAnswer;
    const answer = (refund: typeof refunds.$inferSelect): RefundAnswer => ({
      kind: 'recorded',
      refundId: refund.id,
      state: refund.status,
      amountMinor: refund.amountMinor,
      currency: refund.currency,
    });
    const [again] = await tx
      .select()
      .from(refunds)
      .where(and(eq(refunds.orderId, order.id), eq(refunds.key, key)));
    if (again) return answer(again);
    // With nothing to pay back there is no refund row to find a retry by: the event, keyed
    // by the request, is the record that it was done.
    const endedKey = endEventKey(order.id, command.request, key);
    if (endedKey) {
      const [ended] = await tx
        .select({ id: outboxEvents.id })
        .from(outboxEvents)
        .where(eq(outboxEvents.key, endedKey));
      if (ended) return nothingOwed(command.request, order.currency);
    }

    const rows = await tx
      .select({ item: orderItems, entryState: calendarEntries.state })
      .from(orderItems)
      .leftJoin(calendarEntries, eq(calendarEntries.id, orderItems.calendarEntryId))
      .where(eq(orderItems.orderId, order.id))
      .orderBy(orderItems.id);
    // The tickets' rows locked, as the door locks the one it checks in: a refund and a
    // check-in of one ticket take turns, and the second sees what the first did.
    const lockedTickets = await lockTickets(
      tx,
      rows.flatMap(({ item }) => (item.ticketId === null ? [] : [item.ticketId])),
    );
    const items: RefundableItem[] = rows.map(({ item, entryState }) => ({
      itemId: item.id,
      kind: item.kind,
      title: item.title,
      quantity: item.quantity,
      refundedQuantity: item.refundedQuantity,
      unitPriceMinor: item.unitPriceMinor,
      lineId: (item.cartLineId ?? item.calendarEntryId ?? item.ticketId)!,
      ticketState: lockedTickets.find((t) => t.id === item.ticketId)?.state ?? null,
      entryState,
    }));
    const [{ refundedMinor }] = (await tx
      .select({ refundedMinor: sql<number>`coalesce(sum(${refunds.amountMinor}), 0)::int` })
      .from(refunds)
      .where(eq(refunds.orderId, order.id))) as [{ refundedMinor: number }];
    const decision = decideRefund(order, items, refundedMinor, command.request);
    if (decision.kind === 'refused') return decision;
    await endLines(tx, order.id, command.request, decision.lines);

    if (decision.kind === 'nothing_owed') {
      // Nothing to pay back: no refund row, no refund_due; the lines' end is still told.
      await recordEnd(tx, order.id, command, null, key);
      return nothingOwed(command.request, order.currency);
    }

    const [refund] = await tx
      .insert(refunds)
      .values({
        orderId: order.id,
        key,
        amountMinor: decision.amountMinor,
        currency: order.currency,
        reason: command.request.reason,
        sumupTransactionId: order.sumupTransactionId,
        requestedBy: command.actor,
        lines: decision.lines.map((line) => ({
          kind: line.kind,
          id: line.id,
          title: line.title,
          reason: line.reason,
          quantity: line.quantity,
        })),
      })
      .returning();
    await tx.update(orders).set({ refundState: 'refund_due' }).where(eq(orders.id, order.id));
    await recordOrderEvent(tx, 'order.refund_due', order.id, `order.refund_due:${key}`, {
      refund: refundData(refund!),
    });
    await recordEnd(tx, order.id, command, refundData(refund!));
    return answer(refund!);
  });
}

/**
 * The lines a refund, cancel or decline takes: their refunded quantities counted (no later
 * refund or cancel takes them again), their seats and booked times given back.
 */
async function endLines(
  tx: Transaction,
  orderId: number,
  request: RefundRequest,
  lines: DecidedLine[],
): Promise<void> {
  for (const line of lines) {
    await tx
      .update(orderItems)
      .set({ refundedQuantity: sql`${orderItems.refundedQuantity} + ${line.quantity}` })
      .where(eq(orderItems.id, line.itemId));
  }
  // Refunded seats and booked times go back: others can have them.
  const ticketIds = lines.filter((l) => l.kind === 'ticket').map((l) => l.id);
  if (ticketIds.length) {
    // Only rows still this order's: a late payment may have lost them to another.
    await tx
      .update(tickets)
      .set({ state: 'cancelled' })
      .where(and(inArray(tickets.id, ticketIds), eq(tickets.orderId, orderId)));
  }
  const entryIds = lines.filter((l) => l.kind === 'booking').map((l) => l.id);
  if (entryIds.length) {
    await tx
      .update(calendarEntries)
      .set({ state: request.kind === 'decline' ? 'declined' : 'cancelled' })
      .where(and(inArray(calendarEntries.id, entryIds), eq(calendarEntries.orderId, orderId)));
  }
}

/**
 * What a decline or cancel tells other services: `booking.declined` or `order.cancelled`,
 * with its refund, or `refund: null` when the lines cost nothing.
 */
async function recordEnd(
  tx: Transaction,
  orderId: number,
  command: RefundCommand,
  refund: ReturnType<typeof refundData> | null,
  /** With nothing owed: the request's key, which the event's key carries (`endEventKey`). */
  requestKey?: string,
): Promise<void> {
  const { request } = command;
  const eventKey = endEventKey(orderId, request, requestKey)!;
  if (request.kind === 'decline') {
    await recordOrderEvent(tx, 'booking.declined', orderId, eventKey, {
      booking: { entryId: request.entryId },
      decidedBy: command.actor === POLICY_ACTOR ? 'policy' : 'organiser',
      reason: request.reason,
      refund,
    });
  }
  if (request.kind === 'cancel') {
    await recordOrderEvent(tx, 'order.cancelled', orderId, eventKey, {
      reason: request.reason,
      refund,
    });
  }
}

/**
 * The key of a decline's or cancel's event. One with nothing owed carries the request's own
 * key (`requestKey`), so that the same request again finds it; a paid one is found by its
 * refund row, and keeps the key it always had.
 */
function endEventKey(orderId: number, request: RefundRequest, requestKey?: string) {
  const of = requestKey === undefined ? '' : `:${requestKey}`;
  if (request.kind === 'decline') return `booking.declined:${request.entryId}${of}`;
  if (request.kind === 'cancel') return `order.cancelled:${orderId}${of}`;
  return undefined;
}

const nothingOwed = (request: RefundRequest, currency: string): RefundAnswer => ({
  kind: 'nothing_owed',
  state: request.kind === 'decline' ? 'declined' : 'cancelled',
  amountMinor: 0,
  currency,
});

/**
 * The order's admin refunds still owed at SumUp: what a restarted order workflow sends
 * first (one left owed when the last run gave up on SumUp, or ended).
 */
export async function dueAdminRefunds(db: Database, orderId: number): Promise<number[]> {
  const rows = await db
    .select({ id: refunds.id })
    .from(refunds)
    .where(
      and(eq(refunds.orderId, orderId), eq(refunds.status, 'due'), isNotNull(refunds.requestedBy)),
    )
    .orderBy(refunds.id);
  return rows.map((r) => r.id);
}
