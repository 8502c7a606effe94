import { sql } from 'drizzle-orm';
import type { Transaction } from '../client.ts';

// An entry's time: [start, end), or the instant itself when it has no end.
const span = (entry: string) =>
  sql.raw(
    `tstzrange(${entry}.starts_at, coalesce(${entry}.ends_at, ${entry}.starts_at), ` +
      `CASE WHEN ${entry}.ends_at IS NULL THEN '[]' ELSE '[)' END)`,
  );

/**
 * Locks the calendars in id order. Whoever takes time on a calendar (booking into a cart,
 * claiming for an order, confirming a payment) holds this lock first, so two shoppers
 * cannot both take the same hour; it comes before any entry, type or ticket lock.
 */
export async function lockCalendars(tx: Transaction, calendarIds: number[]): Promise<void> {
  const ids = [...new Set(calendarIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  await tx.execute(sql`SELECT id FROM calendars WHERE id IN ${ids} ORDER BY id FOR UPDATE`);
}

/**
 * The given bookings whose time overlaps time already held on the same calendar: by
 * another order (ordered, paid) or by a confirmed entry such as an event. Pending entries
 * in carts hold nothing. Locks the bookings' calendars first.
 */
export async function clashingBookings(
  tx: Transaction,
  bookingIds: number[],
  orderId: number,
): Promise<Set<number>> {
  if (bookingIds.length === 0) return new Set();
  const calendars = await tx.execute<{ calendar_id: number }>(
    sql`SELECT DISTINCT calendar_id FROM calendar_entries WHERE id IN ${bookingIds}`,
  );
  await lockCalendars(
    tx,
    calendars.rows.map((r) => r.calendar_id),
  );
  const clashes = await tx.execute<{ id: number }>(sql`
    SELECT DISTINCT mine.id FROM calendar_entries mine
    JOIN calendar_entries other
      ON other.calendar_id = mine.calendar_id AND other.id <> mine.id
    WHERE mine.id IN ${bookingIds}
      AND other.state IN ('ordered', 'provisional', 'confirmed')
      AND other.order_id IS DISTINCT FROM ${orderId}
      AND ${span('mine')} && ${span('other')}`);
  return new Set(clashes.rows.map((r) => r.id));
}

/** Whether [startsAt, endsAt) on the calendar overlaps time held there, or in this cart. */
export async function timeTaken(
  tx: Transaction,
  calendarId: number,
  startsAt: Date,
  endsAt: Date,
  cart: { userId?: string; sessionId?: string },
): Promise<boolean> {
  const wanted = sql`tstzrange(${startsAt.toISOString()}::timestamptz, ${endsAt.toISOString()}::timestamptz, '[)')`;
  const ownPending =
    cart.userId !== undefined
      ? sql`(other.state = 'pending' AND other.user_id = ${cart.userId})`
      : sql`(other.state = 'pending' AND other.session_id = ${cart.sessionId} AND other.user_id IS NULL)`;
  const found = await tx.execute(sql`
    SELECT 1 FROM calendar_entries other
    WHERE other.calendar_id = ${calendarId}
      AND (other.state IN ('ordered', 'provisional', 'confirmed') OR ${ownPending})
      AND ${span('other')} && ${wanted}
    LIMIT 1`);
  return found.rows.length > 0;
}
