import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { calendarEntries, calendars, tickets, ticketTypes } from '../db/schema/index.ts';
import type { DemoShop } from '../scripts/stack/demo-data.ts';

let batch = 0;

/** `count` signed-in shoppers, each with one product line in the demo shop's cart. */
export async function shoppersWithAProduct(db: Database, shop: DemoShop, count: number) {
  const prefix = `bench-${process.pid}-${++batch}`;
  const userIds = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const productId = shop.products[0]!.id;
  for (let i = 0; i < userIds.length; i += 1000) {
    const chunk = userIds.slice(i, i + 1000);
    await db.execute(
      sql`INSERT INTO cart_lines (user_id, product_id, quantity)
          SELECT u, ${productId}, 1 FROM unnest(${`{${chunk.join(',')}}`}::text[]) AS u`,
    );
  }
  return userIds.map((userId) => ({ userId }));
}

/** A new gig on the demo page with `seats` seats, and `count` shoppers each wanting one. */
export async function shoppersRacingForSeats(
  db: Database,
  shop: DemoShop,
  seats: number,
  count: number,
) {
  const [calendar] = await db
    .select({ id: calendars.id })
    .from(calendars)
    .where(sql`${calendars.pageId} = ${shop.pageId}`);
  const [gig] = await db
    .insert(calendarEntries)
    .values({
      calendarId: calendar!.id,
      name: `Bench gig ${++batch}`,
      startsAt: new Date(Date.now() + 30 * 86_400_000),
      state: 'confirmed',
      currency: 'GBP',
    })
    .returning();
  const [type] = await db
    .insert(ticketTypes)
    .values({
      entryId: gig!.id,
      name: 'Standing',
      costMinor: 1000,
      currency: 'GBP',
      capacity: seats,
    })
    .returning();
  const shoppers = Array.from({ length: count }, (_, i) => ({
    userId: `bench-${process.pid}-race-${batch}-${i}`,
  }));
  for (let i = 0; i < shoppers.length; i += 1000) {
    await db
      .insert(tickets)
      .values(
        shoppers
          .slice(i, i + 1000)
          .map((s) => ({ entryId: gig!.id, ticketTypeId: type!.id, userId: s.userId })),
      );
  }
  return { shoppers, ticketTypeId: type!.id };
}
