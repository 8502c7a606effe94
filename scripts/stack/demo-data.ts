import { eq } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import {
  calendarEntries,
  calendars,
  calendarSlots,
  pagePaymentSettings,
  pages,
  products,
  ticketTypes,
} from '../../db/schema/index.ts';
import { Secret } from '../../db/secret.ts';
import { storeSumupCredentials } from '../../db/queries/sumup-credentials.ts';
import type { KeyRing } from '../../config/key-ring.ts';

export const DEMO_PAGE_SLUG = 'rose-ash-hall';

export interface DemoShop {
  pageId: number;
  products: { id: number; title: string }[];
  slotId: number;
  entryId: number;
  ticketTypeId: number;
  seats: number;
}

/**
 * A venue to try the checkout on: a page paid through the emulator's merchant, a market,
 * a bookable room and a gig with few seats, so that selling out can be seen. Made once;
 * a later start finds it and changes nothing.
 */
export async function seedDemoShop(
  db: Database,
  merchant: { merchantCode: string; apiKey: string },
  credentialsKeys: KeyRing | undefined,
): Promise<{ shop: DemoShop; created: boolean }> {
  const [existing] = await db.select().from(pages).where(eq(pages.slug, DEMO_PAGE_SLUG));
  if (existing) return { shop: await readDemoShop(db, existing.id), created: false };
  return db.transaction(async (tx) => {
    const [page] = await tx
      .insert(pages)
      .values({ slug: DEMO_PAGE_SLUG, title: 'Rose Ash Hall' })
      .returning();
    const pageId = page!.id;
    await storeSumupCredentials(tx, credentialsKeys, pageId, {
      merchantCode: merchant.merchantCode,
      apiKey: new Secret(merchant.apiKey),
    });
    await tx
      .insert(pagePaymentSettings)
      .values({ pageId, checkoutReferencePrefix: 'hall', currency: 'GBP', autoRefund: true });
    await tx.insert(products).values([
      { pageId, slug: 'mug', title: 'Rose Ash mug', priceMinor: 850, currency: 'GBP' },
      { pageId, slug: 'tea-towel', title: 'Tea towel', priceMinor: 600, currency: 'GBP' },
      { pageId, slug: 'zine', title: 'Hall zine, issue 3', priceMinor: 350, currency: 'GBP' },
    ]);
    const [calendar] = await tx
      .insert(calendars)
      .values({ pageId, slug: 'whats-on', title: "What's on" })
      .returning();
    await tx.insert(calendarSlots).values({
      calendarId: calendar!.id,
      name: 'Rehearsal room',
      costMinor: 2500,
      currency: 'GBP',
      durationMinutes: 60,
    });
    const [gig] = await tx
      .insert(calendarEntries)
      .values({
        calendarId: calendar!.id,
        name: 'Friday folk night',
        startsAt: new Date(Date.now() + 14 * 86_400_000),
        state: 'confirmed',
        currency: 'GBP',
      })
      .returning();
    await tx.insert(ticketTypes).values({
      entryId: gig!.id,
      name: 'Standing',
      costMinor: 1200,
      currency: 'GBP',
      capacity: 5,
    });
    return { shop: await readDemoShop(tx, pageId), created: true };
  });
}

async function readDemoShop(db: Executor, pageId: number): Promise<DemoShop> {
  const catalogue = await db
    .select({ id: products.id, title: products.title })
    .from(products)
    .where(eq(products.pageId, pageId))
    .orderBy(products.id);
  const [slot] = await db
    .select({ id: calendarSlots.id })
    .from(calendarSlots)
    .innerJoin(calendars, eq(calendars.id, calendarSlots.calendarId))
    .where(eq(calendars.pageId, pageId));
  const [ticketType] = await db
    .select({ id: ticketTypes.id, entryId: ticketTypes.entryId, seats: ticketTypes.capacity })
    .from(ticketTypes)
    .innerJoin(calendarEntries, eq(calendarEntries.id, ticketTypes.entryId))
    .innerJoin(calendars, eq(calendars.id, calendarEntries.calendarId))
    .where(eq(calendars.pageId, pageId));
  return {
    pageId,
    products: catalogue,
    slotId: slot!.id,
    entryId: ticketType!.entryId,
    ticketTypeId: ticketType!.id,
    seats: ticketType!.seats,
  };
}
