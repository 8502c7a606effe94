import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { seatHoldingTicketStates, tickets } from '../../db/schema/index.ts';
import { refused, type Refused } from './upsert.ts';

/**
 * The rule for changing what sells seats (a ticket type, or an entry's own tickets): the
 * capacity never goes below what is sold (reserved, confirmed, checked in), and the
 * currency stays once a ticket is sold. Pure: `sold` is counted under the row's lock.
 */
export function decideSeatChange(
  stored: { currency: string } | undefined,
  sold: number,
  wanted: { capacity: number | null; currency: string },
  fields: { capacity: string; currency: string },
): Refused | undefined {
  if (wanted.capacity !== null && wanted.capacity < sold) {
    return refused(
      409,
      'capacity_below_sold',
      `${sold} seats are sold: the capacity cannot go below that.`,
      fields.capacity,
      { sold },
    );
  }
  if (stored && sold > 0 && stored.currency !== wanted.currency) {
    return refused(
      409,
      'currency_locked',
      `Tickets are sold in ${stored.currency}: the currency stays.`,
      fields.currency,
      { sold },
    );
  }
  return undefined;
}

/** Seats sold of an entry's tickets of a type (or without one, for `null`). */
export async function seatsSold(
  db: Executor,
  entryId: number,
  ticketTypeId: number | null,
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(tickets)
    .where(
      and(
        eq(tickets.entryId, entryId),
        ticketTypeId === null
          ? isNull(tickets.ticketTypeId)
          : eq(tickets.ticketTypeId, ticketTypeId),
        inArray(tickets.state, [...seatHoldingTicketStates]),
      ),
    );
  return row?.n ?? 0;
}
