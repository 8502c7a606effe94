import { and, eq, ne } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { knownTimeZone, slotTimesProblem } from '../../db/queries/slot-times.ts';
import {
  calendars,
  calendarSlots,
  pagePaymentSettings,
  pages,
  type SlotTimes,
  type Weekday,
} from '../../db/schema/index.ts';
import { livePage, retiredPage } from './pages.ts';
import {
  currencyRefusal,
  refused,
  sameAs,
  retireRow,
  upserted,
  type Refused,
  type Upserted,
} from './upsert.ts';

/** A calendar as another service syncs it: `PUT /v1/admin/calendars/{calendarRef}`. */
export interface CalendarInput {
  pageRef: string;
  title: string;
  timeZone: string;
}
export type CalendarView = CalendarInput & {
  ref: string;
  calendarId: number;
  retiredAt: string | null;
};

/** A bookable slot: `PUT /v1/admin/calendars/{calendarRef}/slots/{slotRef}`. */
export interface SlotInput {
  name: string;
  days: Weekday[];
  times: SlotTimes[];
  priceMinor: number;
  currency: string;
  lengthMinutes: number;
  active: boolean;
}
export type SlotView = SlotInput & {
  ref: string;
  calendarRef: string;
  /** What the storefront books (`POST /v1/cart/bookings {slotId}`). */
  slotId: number;
  retiredAt: string | null;
};

async function calendarView(db: Executor, ref: string): Promise<CalendarView | undefined> {
  const [row] = await db
    .select({ calendar: calendars, pageRef: pages.ref })
    .from(calendars)
    .innerJoin(pages, eq(pages.id, calendars.pageId))
    .where(eq(calendars.ref, ref));
  if (!row) return undefined;
  return {
    ref,
    calendarId: row.calendar.id,
    pageRef: row.pageRef ?? '',
    title: row.calendar.title,
    timeZone: row.calendar.timeZone,
    retiredAt: row.calendar.retiredAt?.toISOString() ?? null,
  };
}

export const readCalendar = (db: Executor, ref: string) => calendarView(db, ref);

/** The calendar a slot or event names, or why it cannot be used: unknown, or retired. */
export async function liveCalendar(
  db: Executor,
  ref: string,
  field: string,
): Promise<{ id: number; currency: string } | Refused> {
  // The calendar, its page's state and currency in one read.
  const [row] = await db
    .select({
      calendar: calendars,
      pageRetiredAt: pages.retiredAt,
      currency: pagePaymentSettings.currency,
    })
    .from(calendars)
    .innerJoin(pages, eq(pages.id, calendars.pageId))
    .leftJoin(pagePaymentSettings, eq(pagePaymentSettings.pageId, calendars.pageId))
    .where(eq(calendars.ref, ref));
  if (!row) return refused(404, 'calendar_not_found', `No calendar has the ref "${ref}".`, field);
  if (row.calendar.retiredAt) {
    return refused(409, 'calendar_retired', 'The calendar is retired.', field);
  }
  return (
    retiredPage(row.pageRetiredAt, field) ?? { id: row.calendar.id, currency: row.currency ?? '' }
  );
}

export function putCalendar(
  db: Database,
  ref: string,
  input: CalendarInput,
): Promise<Upserted<CalendarView>> {
  return db.transaction(async (tx) => {
    if (!knownTimeZone(input.timeZone)) {
      return refused(
        400,
        'unknown_time_zone',
        'Not a time zone: an IANA name, as Europe/London.',
        'body.timeZone',
      );
    }
    const page = await livePage(tx, input.pageRef, 'body.pageRef');
    if ('kind' in page) return page;
    const fields = {
      pageId: page.id,
      title: input.title,
      timeZone: input.timeZone,
      retiredAt: null,
    };
    const [existing] = await tx
      .select()
      .from(calendars)
      .where(eq(calendars.ref, ref))
      .for('update');
    return upserted(
      existing,
      existing !== undefined && sameAs(existing, fields),
      {
        insert: () => tx.insert(calendars).values({ ref, slug: ref, ...fields }),
        update: () =>
          tx
            .update(calendars)
            .set({ ...fields, updatedAt: new Date() })
            .where(eq(calendars.id, existing!.id)),
      },
      () => calendarView(tx, ref),
    );
  });
}

/** Retires a calendar: its slots are not booked, its events sell nothing; orders keep theirs. */
export async function retireCalendar(db: Database, ref: string) {
  await retireRow(db, calendars, eq(calendars.ref, ref));
  return calendarView(db, ref);
}

async function slotView(
  db: Executor,
  calendarRef: string,
  ref: string,
): Promise<SlotView | undefined> {
  const [row] = await db
    .select({ slot: calendarSlots })
    .from(calendarSlots)
    .innerJoin(calendars, eq(calendars.id, calendarSlots.calendarId))
    .where(and(eq(calendars.ref, calendarRef), eq(calendarSlots.ref, ref)));
  if (!row) return undefined;
  const { slot } = row;
  return {
    ref,
    calendarRef,
    slotId: slot.id,
    name: slot.name,
    days: slot.days,
    times: slot.times,
    priceMinor: slot.costMinor,
    currency: slot.currency,
    lengthMinutes: slot.durationMinutes,
    active: slot.active,
    retiredAt: slot.retiredAt?.toISOString() ?? null,
  };
}

export const readSlot = (db: Executor, calendarRef: string, ref: string) =>
  slotView(db, calendarRef, ref);

/**
 * Creates or replaces a slot: its days and times never overlap, its price is in its page's
 * currency. A new price applies to bookings made from then on.
 */
export function putSlot(
  db: Database,
  calendarRef: string,
  ref: string,
  input: SlotInput,
): Promise<Upserted<SlotView>> {
  return db.transaction(async (tx) => {
    const problem = slotTimesProblem(input.times);
    if (problem) {
      return refused(
        400,
        'invalid_slot_times',
        `Time ${problem.index}: ${problem.message}.`,
        `body.times[${problem.index}]`,
      );
    }
    const calendar = await liveCalendar(tx, calendarRef, 'path.calendarRef');
    if ('kind' in calendar) return calendar;
    const wrongCurrency = currencyRefusal(calendar.currency, input.currency);
    if (wrongCurrency) return wrongCurrency;
    const fields = {
      calendarId: calendar.id,
      name: input.name,
      days: [...new Set(input.days)],
      times: input.times,
      costMinor: input.priceMinor,
      currency: input.currency,
      durationMinutes: input.lengthMinutes,
      active: input.active,
      retiredAt: null,
    };
    const [existing] = await tx
      .select()
      .from(calendarSlots)
      .where(and(eq(calendarSlots.calendarId, calendar.id), eq(calendarSlots.ref, ref)))
      .for('update');
    const [nameTaken] = await tx
      .select({ id: calendarSlots.id })
      .from(calendarSlots)
      .where(
        and(
          eq(calendarSlots.calendarId, calendar.id),
          eq(calendarSlots.name, input.name),
          existing ? ne(calendarSlots.id, existing.id) : undefined,
        ),
      );
    if (nameTaken)
      return refused(409, 'name_taken', 'Another slot of the calendar has that name.', 'body.name');
    const { days, times, ...plain } = fields;
    const same =
      existing !== undefined &&
      sameAs(existing, plain) &&
      JSON.stringify(existing.days) === JSON.stringify(days) &&
      // jsonb keeps its own key order: compare the times, not their spelling.
      spelled(existing.times) === spelled(times);
    return upserted(
      existing,
      same,
      {
        insert: () => tx.insert(calendarSlots).values({ ref, ...fields }),
        update: () =>
          tx
            .update(calendarSlots)
            .set({ ...fields, updatedAt: new Date() })
            .where(eq(calendarSlots.id, existing!.id)),
      },
      () => slotView(tx, calendarRef, ref),
    );
  });
}

const spelled = (times: SlotTimes[]) => times.map((t) => `${t.start}-${t.end}`).join(',');

/** Retires a slot: not booked any more; bookings of it in carts become unavailable. */
export async function retireSlot(db: Database, calendarRef: string, ref: string) {
  const [calendar] = await db
    .select({ id: calendars.id })
    .from(calendars)
    .where(eq(calendars.ref, calendarRef));
  if (calendar) {
    await retireRow(
      db,
      calendarSlots,
      and(eq(calendarSlots.calendarId, calendar.id), eq(calendarSlots.ref, ref)),
    );
  }
  return slotView(db, calendarRef, ref);
}
