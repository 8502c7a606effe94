import { sql, type Column, type SQL } from 'drizzle-orm';
import {
  calendarEntries,
  calendars,
  calendarSlots,
  pages,
  products,
  ticketTypes,
} from '../schema/index.ts';

// What may be sold, in one place: the cart's pricing and every add to a cart ask it. Nothing
// is on sale once it, or what it belongs to (its calendar, its page), is retired.

const pageLive = (pageId: SQL | Column) =>
  sql`NOT EXISTS (SELECT 1 FROM ${pages} WHERE ${pages.id} = ${pageId} AND ${pages.retiredAt} IS NOT NULL)`;

const calendarLive = (calendarId: Column) =>
  sql`EXISTS (SELECT 1 FROM ${calendars} WHERE ${calendars.id} = ${calendarId} AND ${calendars.retiredAt} IS NULL AND ${pageLive(sql`${calendars.pageId}`)})`;

/** A product: active, not retired, on a live page. */
export const productOnSale: SQL<boolean> = sql<boolean>`(${products.active} AND ${products.retiredAt} IS NULL AND ${pageLive(products.pageId)})`;

/** A slot to book: active, not retired, on a live calendar. */
export const slotOnSale: SQL<boolean> = sql<boolean>`(${calendarSlots.active} AND ${calendarSlots.retiredAt} IS NULL AND ${calendarLive(calendarSlots.calendarId)})`;

/**
 * A booking in a cart (a pending entry): its calendar live, and its slot, if it came from
 * one, still on sale.
 */
export const bookingOnSale: SQL<boolean> = sql<boolean>`(${calendarLive(calendarEntries.calendarId)} AND (${calendarEntries.slotId} IS NULL OR EXISTS (SELECT 1 FROM ${calendarSlots} WHERE ${calendarSlots.id} = ${calendarEntries.slotId} AND ${calendarSlots.active} AND ${calendarSlots.retiredAt} IS NULL)))`;

/** An event selling tickets: confirmed, not retired, on a live calendar. */
export const eventOnSale: SQL<boolean> = sql<boolean>`(${calendarEntries.state} = 'confirmed' AND ${calendarEntries.retiredAt} IS NULL AND ${calendarLive(calendarEntries.calendarId)})`;

/** A ticket type: not retired (its event asked separately). */
export const ticketTypeOnSale: SQL<boolean> = sql<boolean>`(${ticketTypes.retiredAt} IS NULL)`;
