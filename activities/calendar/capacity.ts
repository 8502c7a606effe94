import { and, asc, count, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import type { Transaction } from '../../db/client.ts';
import {
  calendarEntries,
  seatHoldingTicketStates,
  tickets,
  ticketTypes,
} from '../../db/schema/index.ts';

/** Tickets share a capacity per ticket type, or per entry for tickets without a type. */
export interface SeatGroup {
  entryId: number;
  ticketTypeId: number | null;
}

export const seatGroupKey = (group: SeatGroup) => `${group.entryId}:${group.ticketTypeId ?? '-'}`;

/**
 * Locks the rows that hold each group's capacity and answers the seats left in each
 * (Infinity where no capacity is set), not counting seats `orderId` itself holds. Callers
 * lock calendar entries first, ticket types next and tickets last, each in id order, so
 * that two checkouts never wait on each other in a cycle. Entry locks are taken here only
 * for groups without a type; callers that also lock entries pass theirs in `alsoLockEntries`.
 */
export async function lockSeats(
  tx: Transaction,
  groups: SeatGroup[],
  orderId: number,
  alsoLockEntries: number[] = [],
): Promise<Map<string, number>> {
  const untypedEntries = groups.filter((g) => g.ticketTypeId === null).map((g) => g.entryId);
  const entryIds = [...new Set([...untypedEntries, ...alsoLockEntries])].sort((a, b) => a - b);
  const typeIds = [
    ...new Set(groups.flatMap((g) => (g.ticketTypeId === null ? [] : [g.ticketTypeId]))),
  ];

  const entries = entryIds.length
    ? await tx
        .select({ id: calendarEntries.id, capacity: calendarEntries.ticketCapacity })
        .from(calendarEntries)
        .where(inArray(calendarEntries.id, entryIds))
        .orderBy(asc(calendarEntries.id))
        .for('update')
    : [];
  const types = typeIds.length
    ? await tx
        .select({ id: ticketTypes.id, capacity: ticketTypes.capacity })
        .from(ticketTypes)
        .where(inArray(ticketTypes.id, typeIds))
        .orderBy(asc(ticketTypes.id))
        .for('update')
    : [];

  const left = new Map<string, number>();
  for (const group of groups) {
    const capacity =
      group.ticketTypeId === null
        ? entries.find((e) => e.id === group.entryId)?.capacity
        : types.find((t) => t.id === group.ticketTypeId)?.capacity;
    const [held] = await tx
      .select({ n: count() })
      .from(tickets)
      .where(
        and(
          eq(tickets.entryId, group.entryId),
          group.ticketTypeId === null
            ? isNull(tickets.ticketTypeId)
            : eq(tickets.ticketTypeId, group.ticketTypeId),
          inArray(tickets.state, [...seatHoldingTicketStates]),
          or(isNull(tickets.orderId), ne(tickets.orderId, orderId)),
        ),
      );
    left.set(
      seatGroupKey(group),
      capacity === null || capacity === undefined ? Infinity : capacity - (held?.n ?? 0),
    );
  }
  return left;
}

/** Locks tickets in id order (the last lock in the order callers keep). */
export function lockTickets(tx: Transaction, ids: number[]) {
  return ids.length
    ? tx
        .select()
        .from(tickets)
        .where(inArray(tickets.id, ids))
        .orderBy(asc(tickets.id))
        .for('update')
    : Promise.resolve([]);
}
