import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, tickets } from '../../db/schema/index.ts';
import { recordOrderEvent } from '../events/order-events.ts';

type TicketRow = typeof tickets.$inferSelect;

/** What checking a ticket in at the door comes to. */
export type CheckIn =
  | { kind: 'checked_in'; at: Date }
  | { kind: 'already_checked_in'; at: Date }
  | { kind: 'not_confirmed'; state: TicketRow['state'] }
  | { kind: 'other_entry'; entryId: number };

/**
 * The door's rule, decided before anything is written: only a confirmed (paid) ticket of
 * the entry at this door goes in, once; showing it again says when it first did.
 */
export function decideCheckIn(ticket: TicketRow, entryId: number | undefined, now: Date): CheckIn {
  if (entryId !== undefined && ticket.entryId !== entryId) {
    return { kind: 'other_entry', entryId: ticket.entryId };
  }
  if (ticket.state === 'checked_in') return { kind: 'already_checked_in', at: ticket.checkedInAt! };
  if (ticket.state !== 'confirmed') return { kind: 'not_confirmed', state: ticket.state };
  return { kind: 'checked_in', at: now };
}

/**
 * Checks the ticket its code names in, under its row lock, with `ticket.checked_in` for other
 * services. Undefined for an unknown code. Idempotent: a second scan changes nothing.
 */
export function checkInTicket(
  db: Database,
  code: string,
  entryId?: number,
): Promise<{ ticket: TicketRow; outcome: CheckIn } | undefined> {
  return db.transaction(async (tx) => {
    // The order's lock first, then the ticket's: the order every writer of an order keeps
    // (a refund of this ticket takes them the same way, so the two take turns).
    const [found] = await tx
      .select({ orderId: tickets.orderId })
      .from(tickets)
      .where(eq(tickets.code, code));
    if (!found) return undefined;
    if (found.orderId !== null) {
      await tx
        .select({ id: orders.id })
        .from(orders)
        .where(eq(orders.id, found.orderId))
        .for('update');
    }
    const [ticket] = await tx.select().from(tickets).where(eq(tickets.code, code)).for('update');
    if (!ticket) return undefined;
    const outcome = decideCheckIn(ticket, entryId, new Date());
    if (outcome.kind !== 'checked_in') return { ticket, outcome };
    const [checkedIn] = await tx
      .update(tickets)
      .set({ state: 'checked_in', checkedInAt: outcome.at })
      .where(eq(tickets.id, ticket.id))
      .returning();
    await recordOrderEvent(
      tx,
      'ticket.checked_in',
      ticket.orderId!,
      `ticket.checked_in:${ticket.id}`,
      {
        ticket: {
          ticketId: ticket.id,
          entryId: ticket.entryId,
          ticketTypeId: ticket.ticketTypeId,
          checkedInAt: outcome.at.toISOString(),
        },
      },
    );
    return { ticket: checkedIn!, outcome };
  });
}
