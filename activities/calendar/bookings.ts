import { eq } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { calendarEntries, orders } from '../../db/schema/index.ts';
import { recordOrderEvent } from '../events/order-events.ts';

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
    });
    return { kind: 'accepted' as const, orderId: orderId };
  });
}
