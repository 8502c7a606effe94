import { and, eq } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import {
  calendarEntries,
  calendars,
  orders,
  pages,
  refunds,
  type UnansweredBookingPolicy,
} from '../../db/schema/index.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { POLICY_ACTOR, recordAdminRefund } from '../orders/admin-refunds.ts';

/** Who answered a provisional booking: the organiser (admin API, ops) or the page's policy. */
export type BookingDecider = 'organiser' | 'policy';

/** The order a booking belongs to (the one that claimed and paid it), if any. */
export async function bookingOrderId(db: Executor, entryId: number): Promise<number | undefined> {
  const [entry] = await db
    .select({ orderId: calendarEntries.orderId })
    .from(calendarEntries)
    .where(eq(calendarEntries.id, entryId));
  return entry?.orderId ?? undefined;
}

/**
 * The organiser accepts a booking that payment made provisional: confirmed, with
 * `booking.confirmed`. Under the order's lock, as a decline (through the order's workflow)
 * takes it, so the two never both happen.
 */
export function acceptBooking(
  db: Database,
  entryId: number,
  decidedBy: BookingDecider = 'organiser',
): Promise<
  | { kind: 'accepted'; orderId: number }
  | { kind: 'not_found' }
  | { kind: 'not_provisional'; state: string }
> {
  return db.transaction(async (tx) => {
    const orderId = await bookingOrderId(tx, entryId);
    if (orderId === undefined) return { kind: 'not_found' as const };
    await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId)).for('update');
    const [entry] = await tx
      .select()
      .from(calendarEntries)
      .where(eq(calendarEntries.id, entryId))
      .for('update');
    if (entry!.state !== 'provisional')
      return { kind: 'not_provisional' as const, state: entry!.state };
    await tx
      .update(calendarEntries)
      .set({ state: 'confirmed' })
      .where(eq(calendarEntries.id, entryId));
    await recordOrderEvent(tx, 'booking.confirmed', orderId, `booking.confirmed:${entryId}`, {
      booking: { entryId },
      decidedBy,
    });
    return { kind: 'accepted' as const, orderId: orderId };
  });
}

const DAY_MS = 86_400_000;

/** What the shopper's order says of a booking the page's policy declined. */
export const UNANSWERED_REASON = 'The organiser did not answer the booking in time.';

/** What the page's policy does with one provisional booking at `asOfMs`. */
export type UnansweredDecision = 'wait' | UnansweredBookingPolicy;

/**
 * The rule for a booking payment made provisional: the organiser has until `answerByMs`
 * (payment, and PROVISIONAL_BOOKING_DAYS); past it, the page's policy answers. Pure.
 */
export function decideUnanswered(
  answerByMs: number,
  asOfMs: number,
  policy: UnansweredBookingPolicy,
): UnansweredDecision {
  return asOfMs < answerByMs ? 'wait' : policy;
}

/** An order's bookings still awaiting the organiser, each with its deadline and policy. */
async function provisionalBookings(db: Database, orderId: number, days: number) {
  const rows = await db
    .select({
      entryId: calendarEntries.id,
      paidAt: orders.paidAt,
      policy: pages.unansweredBookings,
    })
    .from(calendarEntries)
    .innerJoin(orders, eq(orders.id, calendarEntries.orderId))
    .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
    .innerJoin(pages, eq(pages.id, calendars.pageId))
    .where(and(eq(calendarEntries.orderId, orderId), eq(calendarEntries.state, 'provisional')))
    .orderBy(calendarEntries.id);
  return rows.map((row) => ({ ...row, answerByMs: row.paidAt!.getTime() + days * DAY_MS }));
}

const earliest = (deadlines: number[]) => (deadlines.length ? Math.min(...deadlines) : null);

/** When the order's workflow next answers an unanswered booking: null when none waits. */
export async function nextBookingDeadline(
  db: Database,
  input: { orderId: number },
  days: number,
): Promise<{ answerByMs: number | null }> {
  const bookings = await provisionalBookings(db, input.orderId, days);
  return { answerByMs: earliest(bookings.map((b) => b.answerByMs)) };
}

/**
 * At its deadline, answers each booking the organiser left unanswered as its page's policy
 * says: accepted, or declined and refunded as an organiser's decline is (`POLICY_ACTOR`; a
 * free one with nothing owed, so that it never stays provisional, its time held). `asOfMs`
 * is the workflow's clock, whose timer fired. Again after a crash, it changes nothing and
 * answers the same refunds, so the workflow still sends them.
 */
export async function answerUnansweredBookings(
  db: Database,
  input: { orderId: number; asOfMs: number },
  days: number,
): Promise<{ refundIds: number[]; answerByMs: number | null }> {
  const waiting: number[] = [];
  for (const booking of await provisionalBookings(db, input.orderId, days)) {
    const decision = decideUnanswered(booking.answerByMs, input.asOfMs, booking.policy);
    if (decision === 'wait') waiting.push(booking.answerByMs);
    // Under the order's lock, each: an organiser answering at the same moment wins or loses
    // whole, and the loser finds the booking no longer provisional.
    else if (decision === 'accept') await acceptBooking(db, booking.entryId, 'policy');
    else {
      await recordAdminRefund(db, {
        orderId: input.orderId,
        request: {
          kind: 'decline',
          entryId: booking.entryId,
          reason: UNANSWERED_REASON,
        },
        actor: POLICY_ACTOR,
        requestId: `unanswered:${booking.entryId}`,
      });
    }
  }
  const owed = await db
    .select({ id: refunds.id })
    .from(refunds)
    .where(
      and(
        eq(refunds.orderId, input.orderId),
        eq(refunds.status, 'due'),
        eq(refunds.requestedBy, POLICY_ACTOR),
      ),
    )
    .orderBy(refunds.id);
  return { refundIds: owed.map((r) => r.id), answerByMs: earliest(waiting) };
}
