import { and, count, eq, inArray } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { calendarEntries, seatHoldingTicketStates, tickets, ticketTypes } from '../schema/index.ts';

/** Seats of one kind: capacity (null: no limit), sold (held by an order) and left. */
export interface Seats {
  capacity: number | null;
  sold: number;
  left: number | null;
}

const seats = (capacity: number | null, sold: number): Seats => ({
  capacity,
  sold,
  left: capacity === null ? null : Math.max(capacity - sold, 0),
});

/**
 * How many seats an entry selling tickets has left, per ticket type and for tickets without
 * one: what the storefront shows. A snapshot, without locks; claiming decides for real.
 */
export async function entryAvailability(db: Database, entryId: number) {
  const [entry] = await db
    .select()
    .from(calendarEntries)
    .where(and(eq(calendarEntries.id, entryId), eq(calendarEntries.state, 'confirmed')));
  if (!entry) return undefined;
  const types = await db
    .select()
    .from(ticketTypes)
    .where(eq(ticketTypes.entryId, entryId))
    .orderBy(ticketTypes.id);
  const sold = await db
    .select({ ticketTypeId: tickets.ticketTypeId, n: count() })
    .from(tickets)
    .where(and(eq(tickets.entryId, entryId), inArray(tickets.state, [...seatHoldingTicketStates])))
    .groupBy(tickets.ticketTypeId);
  const soldOf = (typeId: number | null) => sold.find((s) => s.ticketTypeId === typeId)?.n ?? 0;
  return {
    entryId: entry.id,
    name: entry.name,
    startsAt: entry.startsAt.toISOString(),
    ticketTypes: types.map((type) => ({
      ticketTypeId: type.id,
      name: type.name,
      priceMinor: type.costMinor,
      currency: type.currency,
      ...seats(type.capacity, soldOf(type.id)),
    })),
    /** Tickets without a type, priced and counted on the entry itself. */
    untyped: {
      priceMinor: entry.ticketPriceMinor,
      currency: entry.currency,
      ...seats(entry.ticketCapacity, soldOf(null)),
    },
  };
}
