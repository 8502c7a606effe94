import { and, eq, ne } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { calendarEntries, calendars, ticketTypes } from '../../db/schema/index.ts';
import { liveCalendar } from './calendars.ts';
import { decideSeatChange, seatsSold } from './seats.ts';
import { currencyRefusal, refused, sameAs, retireRow, upserted, type Upserted } from './upsert.ts';

/** An event (an organiser's entry) as another service syncs it: `PUT /v1/admin/entries/{entryRef}`. */
export interface EventInput {
  calendarRef: string;
  name: string;
  startsAt: string;
  endsAt: string | null;
  currency: string;
  /** Tickets without a type: their price and seats (null: none sold that way, or no limit). */
  ticketPriceMinor: number | null;
  ticketCapacity: number | null;
}
export type EventView = EventInput & {
  ref: string;
  /** What the storefront sells tickets of (`POST /v1/cart/tickets {entryId}`). */
  entryId: number;
  sold: number;
  retiredAt: string | null;
};

/** A ticket type of an event: `PUT /v1/admin/entries/{entryRef}/ticket-types/{typeRef}`. */
export interface TicketTypeInput {
  name: string;
  priceMinor: number;
  currency: string;
  capacity: number;
}
export type TicketTypeView = TicketTypeInput & {
  ref: string;
  entryRef: string;
  ticketTypeId: number;
  sold: number;
  retiredAt: string | null;
};

async function eventRow(db: Executor, ref: string, lock = false) {
  const query = db
    .select({ entry: calendarEntries, calendarRef: calendars.ref })
    .from(calendarEntries)
    .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
    .where(eq(calendarEntries.ref, ref));
  const [row] = lock ? await query.for('update', { of: calendarEntries }) : await query;
  return row;
}

async function eventView(db: Executor, ref: string): Promise<EventView | undefined> {
  const row = await eventRow(db, ref);
  if (!row) return undefined;
  const { entry } = row;
  return {
    ref,
    entryId: entry.id,
    calendarRef: row.calendarRef ?? '',
    name: entry.name,
    startsAt: entry.startsAt.toISOString(),
    endsAt: entry.endsAt?.toISOString() ?? null,
    currency: entry.currency,
    ticketPriceMinor: entry.ticketPriceMinor,
    ticketCapacity: entry.ticketCapacity,
    sold: await seatsSold(db, entry.id, null),
    retiredAt: entry.retiredAt?.toISOString() ?? null,
  };
}

export const readEvent = (db: Executor, ref: string) => eventView(db, ref);

/**
 * Creates or replaces an event: confirmed, selling tickets. Its own tickets' capacity never
 * goes below what is sold, under the entry's row lock (the lock claiming takes).
 */
export function putEvent(
  db: Database,
  ref: string,
  input: EventInput,
): Promise<Upserted<EventView>> {
  return db.transaction(async (tx) => {
    const startsAt = new Date(input.startsAt);
    const endsAt = input.endsAt === null ? null : new Date(input.endsAt);
    if (endsAt && endsAt <= startsAt) {
      return refused(400, 'ends_before_start', 'The event ends before it starts.', 'body.endsAt');
    }
    const calendar = await liveCalendar(tx, input.calendarRef, 'body.calendarRef');
    if ('kind' in calendar) return calendar;
    const existing = await eventRow(tx, ref, true);
    if (existing && existing.entry.slotId !== null) {
      return refused(409, 'not_an_event', 'That ref is a booking, not an event.', 'path.entryRef');
    }
    const sold = existing ? await seatsSold(tx, existing.entry.id, null) : 0;
    const seatRefusal = decideSeatChange(
      existing?.entry,
      sold,
      { capacity: input.ticketCapacity, currency: input.currency },
      { capacity: 'body.ticketCapacity', currency: 'body.currency' },
    );
    if (seatRefusal) return seatRefusal;
    const wrongCurrency = currencyRefusal(calendar.currency, input.currency);
    if (wrongCurrency) return wrongCurrency;
    const fields = {
      calendarId: calendar.id,
      name: input.name,
      startsAt,
      endsAt,
      currency: input.currency,
      ticketPriceMinor: input.ticketPriceMinor,
      ticketCapacity: input.ticketCapacity,
      retiredAt: null,
    };
    const { startsAt: s, endsAt: e, ...plain } = fields;
    const same =
      existing !== undefined &&
      sameAs(existing.entry, plain) &&
      existing.entry.startsAt.getTime() === s.getTime() &&
      (existing.entry.endsAt?.getTime() ?? null) === (e?.getTime() ?? null);
    return upserted(
      existing,
      same,
      {
        insert: () => tx.insert(calendarEntries).values({ ref, state: 'confirmed', ...fields }),
        update: () =>
          tx
            .update(calendarEntries)
            .set({ ...fields, updatedAt: new Date() })
            .where(eq(calendarEntries.id, existing!.entry.id)),
      },
      () => eventView(tx, ref),
    );
  });
}

/** Retires an event: its tickets in carts become unavailable; tickets sold stay valid. */
export async function retireEvent(db: Database, ref: string) {
  await retireRow(db, calendarEntries, eq(calendarEntries.ref, ref));
  return eventView(db, ref);
}

async function typeView(
  db: Executor,
  entryRef: string,
  ref: string,
): Promise<TicketTypeView | undefined> {
  const [row] = await db
    .select({ type: ticketTypes })
    .from(ticketTypes)
    .innerJoin(calendarEntries, eq(calendarEntries.id, ticketTypes.entryId))
    .where(and(eq(calendarEntries.ref, entryRef), eq(ticketTypes.ref, ref)));
  if (!row) return undefined;
  const { type } = row;
  return {
    ref,
    entryRef,
    ticketTypeId: type.id,
    name: type.name,
    priceMinor: type.costMinor,
    currency: type.currency,
    capacity: type.capacity,
    sold: await seatsSold(db, type.entryId, type.id),
    retiredAt: type.retiredAt?.toISOString() ?? null,
  };
}

export const readTicketType = (db: Executor, entryRef: string, ref: string) =>
  typeView(db, entryRef, ref);

/**
 * Creates or replaces a ticket type. Under its row's lock (the lock claiming takes): the
 * capacity never goes below what is sold, and the currency stays once one is sold.
 */
export function putTicketType(
  db: Database,
  entryRef: string,
  ref: string,
  input: TicketTypeInput,
): Promise<Upserted<TicketTypeView>> {
  return db.transaction(async (tx) => {
    const event = await eventRow(tx, entryRef);
    if (!event || event.entry.slotId !== null) {
      return refused(
        404,
        'entry_not_found',
        `No event has the ref "${entryRef}".`,
        'path.entryRef',
      );
    }
    if (event.entry.retiredAt) {
      return refused(409, 'entry_retired', 'The event is retired.', 'path.entryRef');
    }
    const calendar = await liveCalendar(tx, event.calendarRef ?? '', 'path.entryRef');
    if ('kind' in calendar) return calendar;
    const entryId = event.entry.id;
    const [existing] = await tx
      .select()
      .from(ticketTypes)
      .where(and(eq(ticketTypes.entryId, entryId), eq(ticketTypes.ref, ref)))
      .for('update');
    const sold = existing ? await seatsSold(tx, entryId, existing.id) : 0;
    const seatRefusal = decideSeatChange(existing, sold, input, {
      capacity: 'body.capacity',
      currency: 'body.currency',
    });
    if (seatRefusal) return seatRefusal;
    // After the seats' rule: a currency change with tickets sold is refused as that.
    const wrongCurrency = currencyRefusal(calendar.currency, input.currency);
    if (wrongCurrency) return wrongCurrency;
    const [nameTaken] = await tx
      .select({ id: ticketTypes.id })
      .from(ticketTypes)
      .where(
        and(
          eq(ticketTypes.entryId, entryId),
          eq(ticketTypes.name, input.name),
          existing ? ne(ticketTypes.id, existing.id) : undefined,
        ),
      );
    if (nameTaken) {
      return refused(
        409,
        'name_taken',
        'Another ticket type of the event has that name.',
        'body.name',
      );
    }
    const fields = {
      entryId,
      name: input.name,
      costMinor: input.priceMinor,
      currency: input.currency,
      capacity: input.capacity,
      retiredAt: null,
    };
    return upserted(
      existing,
      existing !== undefined && sameAs(existing, fields),
      {
        insert: () => tx.insert(ticketTypes).values({ ref, ...fields }),
        update: () =>
          tx
            .update(ticketTypes)
            .set({ ...fields, updatedAt: new Date() })
            .where(eq(ticketTypes.id, existing!.id)),
      },
      () => typeView(tx, entryRef, ref),
    );
  });
}

/** Retires a ticket type: not sold any more; those in carts become unavailable. */
export async function retireTicketType(db: Database, entryRef: string, ref: string) {
  const event = await eventRow(db, entryRef);
  if (event) {
    await retireRow(
      db,
      ticketTypes,
      and(eq(ticketTypes.entryId, event.entry.id), eq(ticketTypes.ref, ref)),
    );
  }
  return typeView(db, entryRef, ref);
}
