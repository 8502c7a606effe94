import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import {
  createdAt,
  currency,
  externalRef,
  isoCurrency,
  minorUnits,
  nonNegative,
  oneOf,
  retiredAt,
  updatedAt,
} from './columns.ts';
import { orders } from './orders.ts';
import { pages } from './pages.ts';

export const calendarEntryStates = [
  'pending',
  'ordered',
  'provisional',
  'confirmed',
  'declined',
  'cancelled',
] as const;
export type CalendarEntryState = (typeof calendarEntryStates)[number];
export const calendarEntryState = pgEnum('calendar_entry_state', calendarEntryStates);

export const ticketStates = [
  'pending',
  'reserved',
  'confirmed',
  'checked_in',
  'cancelled',
] as const;
export type TicketState = (typeof ticketStates)[number];
export const ticketState = pgEnum('ticket_state', ticketStates);

/** Ticket states that hold a seat. Pending (in-cart) tickets do not. */
export const seatHoldingTicketStates = [
  'reserved',
  'confirmed',
  'checked_in',
] as const satisfies readonly TicketState[];

export const calendars = pgTable(
  'calendars',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    pageId: integer('page_id')
      .notNull()
      .references(() => pages.id),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    /** IANA time zone its slots' days and times are in. */
    timeZone: text('time_zone').notNull().default('UTC'),
    ref: externalRef().unique('calendars_ref_key'),
    retiredAt: retiredAt(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique('calendars_page_slug_key').on(t.pageId, t.slug)],
);

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];
/** A time of day a slot may be booked in, `HH:MM` to `HH:MM` (24:00 is midnight after). */
export interface SlotTimes {
  start: string;
  end: string;
}

/**
 * Something a shopper may book on a calendar (a room, a pitch, a session): its price and
 * length. Booking one puts a pending calendar entry in the cart, priced from here, never
 * from the client.
 */
export const calendarSlots = pgTable(
  'calendar_slots',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    calendarId: integer('calendar_id')
      .notNull()
      .references(() => calendars.id),
    name: text('name').notNull(),
    costMinor: minorUnits('cost_minor').notNull(),
    currency: currency().notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    active: boolean('active').notNull().default(true),
    /** The days it may be booked on, in its calendar's time zone. */
    days: text('days')
      .array()
      .$type<Weekday[]>()
      .notNull()
      .default(sql`ARRAY['mon','tue','wed','thu','fri','sat','sun']`),
    /** When in those days a booking may start and must end; never overlapping. */
    times: jsonb('times')
      .$type<SlotTimes[]>()
      .notNull()
      .default([{ start: '00:00', end: '24:00' }]),
    ref: externalRef(),
    retiredAt: retiredAt(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('calendar_slots_calendar_name_key').on(t.calendarId, t.name),
    unique('calendar_slots_calendar_ref_key').on(t.calendarId, t.ref),
    nonNegative('calendar_slots_cost_non_negative', t.costMinor),
    isoCurrency('calendar_slots_currency_iso', t.currency),
    check('calendar_slots_duration_positive', sql`${t.durationMinutes} > 0`),
  ],
);

/**
 * A time on a calendar. Booked by a shopper (from a slot), it sits in their cart as `pending`, is claimed
 * by an order (`ordered`), paid (`provisional`) and then accepted or declined by the
 * organiser. A confirmed entry is an event that can sell tickets.
 */
export const calendarEntries = pgTable(
  'calendar_entries',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    calendarId: integer('calendar_id')
      .notNull()
      .references(() => calendars.id),
    /** The slot a shopper booked this from; null for an organiser's own entry. */
    slotId: integer('slot_id').references(() => calendarSlots.id),
    name: text('name').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    state: calendarEntryState('state').notNull().default('pending'),
    userId: text('user_id'),
    sessionId: text('session_id'),
    orderId: integer('order_id').references((): AnyPgColumn => orders.id),
    costMinor: minorUnits('cost_minor').notNull().default(0),
    currency: currency().notNull(),
    /** Price of a ticket when the ticket has no type of its own. */
    ticketPriceMinor: minorUnits('ticket_price_minor'),
    /** Seats for tickets without a type. */
    ticketCapacity: integer('ticket_capacity'),
    /** Set on an organiser's entry (an event) synced through the admin API. */
    ref: externalRef().unique('calendar_entries_ref_key'),
    retiredAt: retiredAt(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    nonNegative('calendar_entries_cost_non_negative', t.costMinor),
    nonNegative('calendar_entries_ticket_price_non_negative', t.ticketPriceMinor),
    nonNegative('calendar_entries_ticket_capacity_non_negative', t.ticketCapacity),
    isoCurrency('calendar_entries_currency_iso', t.currency),
    check(
      'calendar_entries_ends_after_start',
      sql`${t.endsAt} IS NULL OR ${t.endsAt} > ${t.startsAt}`,
    ),
    check(
      'calendar_entries_pending_in_a_cart',
      sql`${t.state} <> 'pending' OR ((${t.userId} IS NOT NULL OR ${t.sessionId} IS NOT NULL) AND ${t.orderId} IS NULL)`,
    ),
    check(
      'calendar_entries_claimed_by_an_order',
      sql`NOT ${oneOf(t.state, ['ordered', 'provisional'])} OR ${t.orderId} IS NOT NULL`,
    ),
    index('calendar_entries_cart_user_idx')
      .on(t.userId)
      .where(sql`${t.state} = 'pending'`),
    index('calendar_entries_cart_session_idx')
      .on(t.sessionId)
      .where(sql`${t.state} = 'pending'`),
    index('calendar_entries_order_idx').on(t.orderId),
    index('calendar_entries_calendar_starts_idx').on(t.calendarId, t.startsAt),
  ],
);

export const ticketTypes = pgTable(
  'ticket_types',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    entryId: integer('entry_id')
      .notNull()
      .references(() => calendarEntries.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    costMinor: minorUnits('cost_minor').notNull(),
    currency: currency().notNull(),
    capacity: integer('capacity').notNull(),
    ref: externalRef(),
    retiredAt: retiredAt(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('ticket_types_entry_name_key').on(t.entryId, t.name),
    unique('ticket_types_entry_ref_key').on(t.entryId, t.ref),
    // Target of the tickets' composite key: a ticket's type belongs to the ticket's entry.
    unique('ticket_types_id_entry_key').on(t.id, t.entryId),
    nonNegative('ticket_types_cost_non_negative', t.costMinor),
    nonNegative('ticket_types_capacity_non_negative', t.capacity),
    isoCurrency('ticket_types_currency_iso', t.currency),
  ],
);

/** A ticket for an entry. Buying one needs a signed-in shopper, so `user_id` is required. */
export const tickets = pgTable(
  'tickets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    entryId: integer('entry_id')
      .notNull()
      .references(() => calendarEntries.id),
    ticketTypeId: integer('ticket_type_id'),
    userId: text('user_id').notNull(),
    state: ticketState('state').notNull().default('pending'),
    orderId: integer('order_id').references((): AnyPgColumn => orders.id),
    /** What the door scans; unguessable. */
    code: text('code')
      .notNull()
      .unique('tickets_code_key')
      .default(sql`replace(gen_random_uuid()::text, '-', '')`),
    checkedInAt: timestamp('checked_in_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({
      name: 'tickets_ticket_type_of_entry_fk',
      columns: [t.ticketTypeId, t.entryId],
      foreignColumns: [ticketTypes.id, ticketTypes.entryId],
    }),
    check('tickets_pending_unclaimed', sql`${t.state} <> 'pending' OR ${t.orderId} IS NULL`),
    check(
      'tickets_seat_holders_claimed',
      sql`NOT ${oneOf(t.state, seatHoldingTicketStates)} OR ${t.orderId} IS NOT NULL`,
    ),
    check(
      'tickets_checked_in_has_time',
      sql`${t.state} <> 'checked_in' OR ${t.checkedInAt} IS NOT NULL`,
    ),
    index('tickets_cart_user_idx')
      .on(t.userId)
      .where(sql`${t.state} = 'pending'`),
    index('tickets_order_idx').on(t.orderId),
    // Capacity counts: seats held per entry and type.
    index('tickets_seats_idx')
      .on(t.entryId, t.ticketTypeId)
      .where(oneOf(t.state, seatHoldingTicketStates)),
  ],
);
