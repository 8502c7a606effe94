import type { Database } from '../../db/client.ts';
import {
  calendarEntries,
  calendars,
  calendarSlots,
  cartLines,
  pages,
  products,
  tickets,
  ticketTypes,
} from '../../db/schema/index.ts';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** A page with a market product and an event whose tickets are limited, as the tests need them. */
export async function seedShop(db: Database, options: { seats: number; currency?: string }) {
  const currency = options.currency ?? 'GBP';
  const [page] = await db
    .insert(pages)
    .values({ slug: unique('page'), title: 'The Hall' })
    .returning();
  const [mug] = await db
    .insert(products)
    .values({ pageId: page!.id, slug: unique('mug'), title: 'Mug', priceMinor: 850, currency })
    .returning();
  const [calendar] = await db
    .insert(calendars)
    .values({ pageId: page!.id, slug: unique('events'), title: 'Events' })
    .returning();
  const [room] = await db
    .insert(calendarSlots)
    .values({
      calendarId: calendar!.id,
      name: 'Rehearsal room',
      costMinor: 4000,
      currency,
      durationMinutes: 60,
    })
    .returning();
  const [gig] = await db
    .insert(calendarEntries)
    .values({
      calendarId: calendar!.id,
      name: 'Friday gig',
      startsAt: new Date('2027-03-05T20:00:00Z'),
      state: 'confirmed',
      currency,
    })
    .returning();
  const [standing] = await db
    .insert(ticketTypes)
    .values({
      entryId: gig!.id,
      name: 'Standing',
      costMinor: 1500,
      currency,
      capacity: options.seats,
    })
    .returning();

  return {
    page: page!,
    mug: mug!,
    calendar: calendar!,
    room: room!,
    gig: gig!,
    standing: standing!,
    /** Puts a product line in a shopper's cart. */
    addMug: (shopper: { userId?: string; sessionId?: string }, quantity = 1) =>
      db
        .insert(cartLines)
        .values({
          userId: shopper.userId ?? null,
          sessionId: shopper.sessionId ?? null,
          productId: mug!.id,
          quantity,
        })
        .returning()
        .then((rows) => rows[0]!),
    /** Puts pending tickets in a signed-in shopper's cart. */
    addTickets: (userId: string, n = 1) =>
      db
        .insert(tickets)
        .values(
          Array.from({ length: n }, () => ({
            entryId: gig!.id,
            ticketTypeId: standing!.id,
            userId,
          })),
        )
        .returning(),
    /** Puts a booking of a new calendar slot in a shopper's cart. */
    addBooking: (shopper: { userId?: string; sessionId?: string }, costMinor = 4000) =>
      db
        .insert(calendarEntries)
        .values({
          calendarId: calendar!.id,
          name: 'Rehearsal room',
          startsAt: new Date('2027-03-06T10:00:00Z'),
          userId: shopper.userId ?? null,
          sessionId: shopper.sessionId ?? null,
          costMinor,
          currency,
        })
        .returning()
        .then((rows) => rows[0]!),
  };
}
