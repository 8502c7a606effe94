import { inspect } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calendarEntries,
  calendars,
  cartLines,
  orderItems,
  orders,
  pages,
  pageSumupCredentials,
  products,
  tickets,
  ticketTypes,
} from '../db/schema/index.ts';
import { Secret } from '../db/secret.ts';
import { createTestContext, testCredentialsKeys, type TestContext } from './harness/context.ts';
import { readSumupCredentials, storeSumupCredentials } from '../db/queries/sumup-credentials.ts';

let ctx: TestContext;
let pageId: number;
let entryId: number;
let otherEntryId: number;
let orderId: number;

beforeAll(async () => {
  ctx = await createTestContext('schema-constraints');
  const { db } = ctx.database;
  [{ id: pageId }] = (await db
    .insert(pages)
    .values({ slug: 'hall', title: 'The Hall' })
    .returning({ id: pages.id })) as [{ id: number }];
  const [calendar] = await db
    .insert(calendars)
    .values({ pageId, slug: 'gigs', title: 'Gigs' })
    .returning();
  const [entry, other] = await db
    .insert(calendarEntries)
    .values([
      {
        calendarId: calendar!.id,
        name: 'Gig',
        startsAt: new Date('2027-01-01T20:00:00Z'),
        state: 'confirmed',
        currency: 'GBP',
        ticketCapacity: 2,
      },
      {
        calendarId: calendar!.id,
        name: 'Other gig',
        startsAt: new Date('2027-01-02T20:00:00Z'),
        state: 'confirmed',
        currency: 'GBP',
      },
    ])
    .returning();
  entryId = entry!.id;
  otherEntryId = other!.id;
  const [order] = await db
    .insert(orders)
    .values({
      idempotencyKey: 'k-1',
      userId: 'u-1',
      currency: 'GBP',
      totalMinor: 1000,
      workflowId: 'wf-1',
    })
    .returning();
  orderId = order!.id;
});
afterAll(() => ctx?.close());

/** The PostgreSQL error a statement raised: its SQLSTATE and constraint. */
async function refusal(
  statement: Promise<unknown>,
): Promise<{ code: string; constraint?: string }> {
  try {
    await statement;
  } catch (error) {
    const cause = (error as { cause?: { code: string; constraint?: string } }).cause;
    if (cause?.code)
      return { code: cause.code, ...(cause.constraint ? { constraint: cause.constraint } : {}) };
    throw error;
  }
  throw new Error('the statement was accepted');
}

describe('the schema refuses illegal states', () => {
  it('lets one open order hold a cart line; the order leaving pending, by any statement, frees it', async () => {
    const { db } = ctx.database;
    const [product] = await db
      .insert(products)
      .values({ pageId, slug: 'poster', title: 'Poster', priceMinor: 700, currency: 'GBP' })
      .returning();
    const [line] = await db
      .insert(cartLines)
      .values({ userId: 'u-9', productId: product!.id, quantity: 1 })
      .returning();
    const openOrder = async (key: string) => {
      const [order] = await db
        .insert(orders)
        .values({
          idempotencyKey: key,
          userId: 'u-9',
          currency: 'GBP',
          totalMinor: 700,
          workflowId: `wf-${key}`,
        })
        .returning();
      return order!.id;
    };
    const item = (order: number) =>
      db.insert(orderItems).values({
        orderId: order,
        kind: 'product',
        productId: product!.id,
        cartLineId: line!.id,
        title: 'Poster',
        quantity: 1,
        unitPriceMinor: 700,
        currency: 'GBP',
      });
    const [global, page] = [await openOrder('global-1'), await openOrder('page-1')];
    await item(global);
    expect(await refusal(item(page))).toEqual({
      code: '23505',
      constraint: 'order_items_open_cart_line_key',
    });
    // Expired by a plain UPDATE: the trigger frees the line, and another order may take it.
    await db
      .update(orders)
      .set({ status: 'expired' })
      .where(sql`${orders.id} = ${global}`);
    await expect(item(page)).resolves.toBeDefined();
    const holds = await db
      .select({ orderId: orderItems.orderId, open: orderItems.open })
      .from(orderItems)
      .where(sql`${orderItems.cartLineId} = ${line!.id}`);
    expect(holds.sort((a, b) => a.orderId - b.orderId)).toEqual([
      { orderId: global, open: false },
      { orderId: page, open: true },
    ]);
  });

  it('refuses a ticket state the domain does not have', async () => {
    const result = await refusal(
      ctx.database.db.execute(
        sql`INSERT INTO tickets (entry_id, user_id, state) VALUES (${entryId}, 'u-1', 'sold')`,
      ),
    );
    expect(result.code).toBe('22P02'); // invalid input value for enum ticket_state
  });

  it('refuses a negative price', async () => {
    const result = await refusal(
      ctx.database.db
        .insert(products)
        .values({ pageId, slug: 'mug', title: 'Mug', priceMinor: -1, currency: 'GBP' }),
    );
    expect(result).toEqual({ code: '23514', constraint: 'products_price_non_negative' });
  });

  it('refuses a currency that is not an ISO code', async () => {
    const result = await refusal(
      ctx.database.db
        .insert(products)
        .values({ pageId, slug: 'cup', title: 'Cup', priceMinor: 100, currency: 'gb1' }),
    );
    expect(result).toEqual({ code: '23514', constraint: 'products_currency_iso' });
  });

  it('refuses a reserved ticket that no order claims, and a pending one that an order does', async () => {
    const { db } = ctx.database;
    expect(
      await refusal(db.insert(tickets).values({ entryId, userId: 'u-1', state: 'reserved' })),
    ).toEqual({
      code: '23514',
      constraint: 'tickets_seat_holders_claimed',
    });
    expect(
      await refusal(
        db.insert(tickets).values({ entryId, userId: 'u-1', state: 'pending', orderId }),
      ),
    ).toEqual({ code: '23514', constraint: 'tickets_pending_unclaimed' });
    await expect(
      db.insert(tickets).values({ entryId, userId: 'u-1', state: 'reserved', orderId }),
    ).resolves.toBeDefined();
  });

  it('refuses a ticket whose type belongs to another entry', async () => {
    const { db } = ctx.database;
    const [type] = await db
      .insert(ticketTypes)
      .values({
        entryId: otherEntryId,
        name: 'Standard',
        costMinor: 1500,
        currency: 'GBP',
        capacity: 10,
      })
      .returning();
    expect(
      await refusal(db.insert(tickets).values({ entryId, ticketTypeId: type!.id, userId: 'u-1' })),
    ).toEqual({ code: '23503', constraint: 'tickets_ticket_type_of_entry_fk' });
  });

  it('refuses a second order with the same SumUp checkout', async () => {
    const { db } = ctx.database;
    await db
      .update(orders)
      .set({ sumupCheckoutId: 'chk-1' })
      .where(sql`${orders.id} = ${orderId}`);
    expect(
      await refusal(
        db.insert(orders).values({
          idempotencyKey: 'k-2',
          userId: 'u-2',
          currency: 'GBP',
          totalMinor: 500,
          workflowId: 'wf-2',
          sumupCheckoutId: 'chk-1',
        }),
      ),
    ).toEqual({ code: '23505', constraint: 'orders_sumup_checkout_id_key' });
  });

  it('refuses a cart line with no shopper, and a second live line for the same product', async () => {
    const { db } = ctx.database;
    const [product] = await db
      .insert(products)
      .values({ pageId, slug: 'tote', title: 'Tote', priceMinor: 1200, currency: 'GBP' })
      .returning();
    expect(
      await refusal(db.insert(cartLines).values({ productId: product!.id, quantity: 1 })),
    ).toEqual({
      code: '23514',
      constraint: 'cart_lines_has_shopper',
    });
    await db.insert(cartLines).values({ sessionId: 's-1', productId: product!.id, quantity: 1 });
    expect(
      await refusal(
        db.insert(cartLines).values({ sessionId: 's-1', productId: product!.id, quantity: 2 }),
      ),
    ).toEqual({ code: '23505', constraint: 'cart_lines_live_session_product_key' });
  });

  it('refuses an ordered calendar entry without its order', async () => {
    const result = await refusal(
      ctx.database.db.insert(calendarEntries).values({
        calendarId: (await ctx.database.db.select().from(calendars))[0]!.id,
        name: 'Booking',
        startsAt: new Date('2027-02-01T10:00:00Z'),
        state: 'ordered',
        userId: 'u-1',
        currency: 'GBP',
      }),
    );
    expect(result).toEqual({ code: '23514', constraint: 'calendar_entries_claimed_by_an_order' });
  });
});

describe('SumUp credentials', () => {
  it('are stored sealed, and read back as secrets that never print, serialise or inspect their value', async () => {
    const { db } = ctx.database;
    await storeSumupCredentials(db, testCredentialsKeys, pageId, {
      merchantCode: 'MC-HALL-77',
      apiKey: new Secret('sup_sk_live_0123456789'),
    });
    const [stored] = await db.select().from(pageSumupCredentials);
    expect(stored).toMatchObject({ apiKey: null, apiKeyLast4: '6789' });
    expect(stored!.apiKeySealed).toMatch(/^sealed1:test-1:/);
    expect(JSON.stringify(stored)).not.toContain('sup_sk_live');
    const row = await readSumupCredentials(db, testCredentialsKeys, pageId);
    expect(row!.apiKey.reveal()).toBe('sup_sk_live_0123456789');
    for (const shown of [
      JSON.stringify(row),
      inspect(row),
      String(row!.apiKey),
      String(row!.merchantCode),
    ]) {
      expect(shown).not.toContain('sup_sk_live');
      expect(shown).not.toContain('MC-HALL-77');
    }
    // Selecting a page, its settings or anything else never reaches the credentials table.
    expect(JSON.stringify(await db.select().from(pages))).not.toContain('sup_sk_live');
  });
});
