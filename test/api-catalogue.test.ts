import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import {
  adminAudit,
  orderItems,
  orders,
  pageSumupCredentials,
  products,
  refunds,
  tickets,
} from '../db/schema/index.ts';
import { sumupWebhookSignal } from '../workflows/checkout-messages.ts';
import type { checkout } from '../workflows/checkout.ts';
import { claimEntriesAndTickets } from '../activities/calendar/claims.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { emulatorSuite, orderFromCart, startCheckout, sumupIdOf } from './harness/checkout.ts';
import type { TestContext } from './harness/context.ts';
import { MERCHANT, OTHER_MERCHANT, type SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let payments: PaymentSettings;
let api: TestApi;
emulatorSuite('api-catalogue', (suite) => ({ ctx, f, payments } = suite));
beforeAll(async () => {
  api = await startApi(ctx, {
    catalogue: {
      credentialsKeys: payments.credentialsKeys,
      sumup: { host: f.emulator.url, timeoutMs: 2_000 },
    },
  });
});
afterAll(() => api?.close());

const db = () => ctx.database.db;
const put = (path: string, body: unknown) =>
  api.admin(path, { method: 'PUT', body: JSON.stringify(body) });
const get = (path: string) => api.admin(path);
const del = (path: string) => api.admin(path, { method: 'DELETE' });
/** Status, and the body (a problem: its code and first field). */
const answerOf = async (res: Response) => {
  const body = (await res.json()) as Record<string, unknown> & {
    code?: string;
    fields?: { field: string }[];
  };
  return { status: res.status, body, code: body.code, field: body.fields?.[0]?.field };
};

const newRef = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;
const pageInput = (ref: string) => ({
  title: 'The Hall',
  slug: ref.toLowerCase(),
  currency: 'GBP',
  checkoutReferencePrefix: 'hall',
  autoRefund: true,
});
/** A page made through the API, and answered as it was stored. */
async function newPage() {
  const ref = newRef('page');
  const made = await answerOf(await put(`/v1/admin/pages/${ref}`, pageInput(ref)));
  expect(made.status).toBe(201);
  return { ref, pageId: made.body.pageId as number };
}

describe('pages through the admin API', () => {
  it('creates, repeats without change, replaces, retires and brings back a page; refuses what does not fit', async () => {
    const ref = newRef('page');
    const body = pageInput(ref);
    const created = await answerOf(await put(`/v1/admin/pages/${ref}`, body));
    expect(created).toMatchObject({
      status: 201,
      body: { ...body, ref, unansweredBookings: 'accept', retiredAt: null, sumup: null },
    });
    const repeat = await answerOf(await put(`/v1/admin/pages/${ref}`, body));
    expect(repeat).toMatchObject({ status: 200, body: created.body });
    expect((await answerOf(await get(`/v1/admin/pages/${ref}`))).body).toEqual(created.body);

    const replaced = await answerOf(
      await put(`/v1/admin/pages/${ref}`, {
        ...body,
        title: 'The Great Hall',
        unansweredBookings: 'decline',
      }),
    );
    expect(replaced).toMatchObject({
      status: 200,
      body: { title: 'The Great Hall', unansweredBookings: 'decline', pageId: created.body.pageId },
    });

    // Refused, changing nothing.
    const other = await newPage();
    const refusals: [string, unknown, number, string, string | undefined][] = [
      [ref, { ...body, slug: other.ref.toLowerCase() }, 409, 'slug_taken', 'body.slug'],
      [ref, { ...body, currency: 'gbp' }, 400, 'invalid_input', 'body.currency'],
      [ref, { ...body, colour: 'red' }, 400, 'invalid_input', 'body'],
      ['x'.repeat(101), body, 400, 'invalid_input', 'path.pageRef'],
      ['bad ref', body, 400, 'invalid_input', 'path.pageRef'],
    ];
    for (const [target, input, status, code, field] of refusals) {
      const refused = await answerOf(
        await put(`/v1/admin/pages/${encodeURIComponent(target)}`, input),
      );
      expect([refused.status, refused.code, refused.field], JSON.stringify(input)).toEqual([
        status,
        code,
        field,
      ]);
    }
    expect((await answerOf(await get(`/v1/admin/pages/${ref}`))).body).toEqual(replaced.body);

    const retired = await answerOf(await del(`/v1/admin/pages/${ref}`));
    expect(retired.body.retiredAt).toEqual(expect.any(String));
    // Retiring again changes nothing.
    expect((await answerOf(await del(`/v1/admin/pages/${ref}`))).body).toEqual(retired.body);
    // Nothing new goes on a retired page.
    const product = await answerOf(
      await put(`/v1/admin/products/${newRef('mug')}`, {
        pageRef: ref,
        title: 'Mug',
        priceMinor: 850,
        currency: 'GBP',
      }),
    );
    expect([product.status, product.code, product.field]).toEqual([
      409,
      'page_retired',
      'body.pageRef',
    ]);
    // A sync that sends it again brings it back.
    const back = await answerOf(await put(`/v1/admin/pages/${ref}`, body));
    expect([back.status, back.body.retiredAt]).toEqual([200, null]);
    expect((await answerOf(await get(`/v1/admin/pages/${newRef('none')}`))).status).toBe(404);
  });

  it("checks a page's SumUp key with SumUp before storing it encrypted, and never shows it", async () => {
    const { ref, pageId } = await newPage();
    const path = `/v1/admin/pages/${ref}/sumup`;
    const refusals: [object, string, string][] = [
      [
        { merchantCode: MERCHANT.merchantCode, apiKey: 'sup_sk_not_a_real_key' },
        'sumup_key_refused',
        'body.apiKey',
      ],
      [
        { merchantCode: MERCHANT.merchantCode, apiKey: OTHER_MERCHANT.apiKey },
        'sumup_merchant_mismatch',
        'body.merchantCode',
      ],
    ];
    for (const [body, code, field] of refusals) {
      const refused = await answerOf(await put(path, body));
      expect([refused.status, refused.code, refused.field]).toEqual([422, code, field]);
    }
    expect((await answerOf(await get(path))).status).toBe(404);
    expect(await db().select().from(pageSumupCredentials)).toEqual([]);

    const stored = await answerOf(
      await put(path, { merchantCode: MERCHANT.merchantCode, apiKey: MERCHANT.apiKey }),
    );
    expect(stored).toMatchObject({
      status: 200,
      body: {
        merchantCode: MERCHANT.merchantCode,
        apiKeyLast4: MERCHANT.apiKey.slice(-4),
        setAt: expect.any(String),
      },
    });
    expect((await answerOf(await get(`/v1/admin/pages/${ref}`))).body.sumup).toEqual(stored.body);
    const [row] = await db()
      .select()
      .from(pageSumupCredentials)
      .where(eq(pageSumupCredentials.pageId, pageId));
    expect(row!.apiKey).toBeNull();
    // Neither the table nor the audit of these calls holds the key.
    const audit = await db().select().from(adminAudit);
    for (const text of [JSON.stringify(row), JSON.stringify(audit)]) {
      expect(text).not.toContain(MERCHANT.apiKey);
      expect(text).not.toContain(OTHER_MERCHANT.apiKey);
    }
  });
});

describe('products through the admin API', () => {
  it('creates, repeats, replaces and retires a product; a new price reaches carts, not open checkouts', async () => {
    const page = await newPage();
    const ref = newRef('mug');
    const body = { pageRef: page.ref, title: 'Mug', priceMinor: 850, currency: 'GBP' };
    const created = await answerOf(await put(`/v1/admin/products/${ref}`, body));
    expect(created).toMatchObject({
      status: 201,
      body: { ...body, ref, active: true, retiredAt: null, productId: expect.any(Number) },
    });
    expect(await answerOf(await put(`/v1/admin/products/${ref}`, body))).toMatchObject({
      status: 200,
      body: created.body,
    });
    const productId = created.body.productId as number;

    // A shopper has it in the cart; a checkout snapshots it; then the price changes.
    const shopper = { userId: `u-${randomUUID()}` };
    const added = await api.call('/v1/cart/products', {
      method: 'POST',
      shopper,
      body: JSON.stringify({ productId, quantity: 2 }),
    });
    expect(added.status).toBe(201);
    const order = await orderFromCart(db(), shopper, page.pageId);
    const repriced = await answerOf(
      await put(`/v1/admin/products/${ref}`, { ...body, priceMinor: 900 }),
    );
    expect([repriced.status, repriced.body.priceMinor]).toEqual([200, 900]);
    const [snapshot] = await db()
      .select()
      .from(orderItems)
      .where(eq(orderItems.orderId, order.orderId));
    expect(snapshot!.unitPriceMinor).toBe(850);
    const cartLine = async () => {
      const cart = (await (await api.call('/v1/cart', { shopper })).json()) as {
        pages: { lines: { productId?: number; unitPriceMinor: number; problem?: string }[] }[];
      };
      return cart.pages.flatMap((p) => p.lines).find((l) => l.productId === productId)!;
    };
    expect((await cartLine()).unitPriceMinor).toBe(900);

    // Refused, changing nothing.
    const refusals: [object, number, string, string][] = [
      [{ ...body, priceMinor: -1 }, 400, 'invalid_input', 'body.priceMinor'],
      [{ ...body, priceMinor: 8.5 }, 400, 'invalid_input', 'body.priceMinor'],
      [{ ...body, currency: 'EUR' }, 400, 'currency_not_taken', 'body.currency'],
      [{ ...body, pageRef: newRef('nowhere') }, 404, 'page_not_found', 'body.pageRef'],
      [{ ...body, pageRef: 'x'.repeat(101) }, 400, 'invalid_input', 'body.pageRef'],
    ];
    for (const [input, status, code, field] of refusals) {
      const refused = await answerOf(await put(`/v1/admin/products/${ref}`, input));
      expect([refused.status, refused.code, refused.field], JSON.stringify(input)).toEqual([
        status,
        code,
        field,
      ]);
    }
    expect((await answerOf(await get(`/v1/admin/products/${ref}`))).body).toEqual(repriced.body);

    // Retired: the cart line is unavailable, with the reason; nobody adds it again.
    const retired = await answerOf(await del(`/v1/admin/products/${ref}`));
    expect(retired.body.retiredAt).toEqual(expect.any(String));
    expect((await cartLine()).problem).toBe('product_unavailable');
    const again = await api.call('/v1/cart/products', {
      method: 'POST',
      shopper: { userId: `u-${randomUUID()}` },
      body: JSON.stringify({ productId, quantity: 1 }),
    });
    expect(again.status).toBe(404);
    await again.arrayBuffer();
    // Retiring its page takes what the page sells off sale too.
    const tea = await answerOf(
      await put(`/v1/admin/products/${newRef('tea')}`, { ...body, title: 'Tea towel' }),
    );
    await (
      await api.call('/v1/cart/products', {
        method: 'POST',
        shopper,
        body: JSON.stringify({ productId: tea.body.productId, quantity: 1 }),
      })
    ).arrayBuffer();
    const teaLine = async () => {
      const cart = (await (await api.call('/v1/cart', { shopper })).json()) as {
        pages: { lines: { productId?: number; problem?: string }[] }[];
      };
      return cart.pages.flatMap((p) => p.lines).find((l) => l.productId === tea.body.productId)!;
    };
    expect((await teaLine()).problem).toBeUndefined();
    expect((await del(`/v1/admin/pages/${page.ref}`)).status).toBe(200);
    expect((await teaLine()).problem).toBe('product_unavailable');
  });

  it('leaves exactly 1,000 products after a sync of 1,000 run twice', async () => {
    const page = await newPage();
    const refs = Array.from({ length: 1_000 }, (_, i) => `${page.ref}-item-${i}`);
    const sync = async () => {
      const statuses: number[] = [];
      // Ten at a time, as a sync job would send them.
      for (let i = 0; i < refs.length; i += 10) {
        const batch = refs.slice(i, i + 10).map(async (ref, j) => {
          const res = await put(`/v1/admin/products/${ref}`, {
            pageRef: page.ref,
            title: `Item ${i + j}`,
            priceMinor: 100 + i + j,
            currency: 'GBP',
          });
          await res.arrayBuffer();
          return res.status;
        });
        statuses.push(...(await Promise.all(batch)));
      }
      return statuses;
    };
    expect(new Set(await sync())).toEqual(new Set([201]));
    expect(new Set(await sync())).toEqual(new Set([200]));
    const [{ count }] = (await db()
      .select({ count: sql<number>`count(*)::int` })
      .from(products)
      .where(eq(products.pageId, page.pageId))) as [{ count: number }];
    expect(count).toBe(1_000);
  });
});

describe('calendars, slots, events and ticket types through the admin API', () => {
  /** A page with a calendar in London's time. */
  async function newCalendar() {
    const page = await newPage();
    const ref = newRef('cal');
    const body = { pageRef: page.ref, title: "What's on", timeZone: 'Europe/London' };
    const made = await answerOf(await put(`/v1/admin/calendars/${ref}`, body));
    expect(made).toMatchObject({ status: 201, body: { ...body, ref, retiredAt: null } });
    expect(await answerOf(await put(`/v1/admin/calendars/${ref}`, body))).toMatchObject({
      status: 200,
      body: made.body,
    });
    const renamed = await answerOf(
      await put(`/v1/admin/calendars/${ref}`, { ...body, title: 'Gigs and rooms' }),
    );
    expect(renamed).toMatchObject({ status: 200, body: { title: 'Gigs and rooms' } });
    expect((await answerOf(await get(`/v1/admin/calendars/${ref}`))).body).toEqual(renamed.body);
    return { page, ref, body };
  }

  it('takes bookings of a slot only on its days and within its times, in its time zone; refuses overlapping times', async () => {
    const calendar = await newCalendar();
    const refused = await answerOf(
      await put(`/v1/admin/calendars/${calendar.ref}`, {
        ...calendar.body,
        timeZone: 'Mars/Olympus',
      }),
    );
    expect([refused.status, refused.code, refused.field]).toEqual([
      400,
      'unknown_time_zone',
      'body.timeZone',
    ]);

    const slotPath = `/v1/admin/calendars/${calendar.ref}/slots/${newRef('room')}`;
    const slot = {
      name: 'Rehearsal room',
      days: ['sat', 'sun'],
      times: [
        { start: '09:00', end: '12:00' },
        { start: '14:00', end: '18:00' },
      ],
      priceMinor: 2500,
      currency: 'GBP',
      lengthMinutes: 60,
    };
    const made = await answerOf(await put(slotPath, slot));
    expect(made).toMatchObject({
      status: 201,
      body: { ...slot, active: true, slotId: expect.any(Number) },
    });
    // A repeat, times and all, changes nothing.
    expect((await answerOf(await put(slotPath, slot))).status).toBe(200);
    const slotRefusals: [object, number, string, string][] = [
      [
        {
          ...slot,
          times: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        },
        400,
        'invalid_slot_times',
        'body.times[1]',
      ],
      [
        { ...slot, times: [{ start: '12:00', end: '09:00' }] },
        400,
        'invalid_slot_times',
        'body.times[0]',
      ],
      [
        { ...slot, times: [{ start: '9am', end: '12:00' }] },
        400,
        'invalid_input',
        'body.times[0].start',
      ],
      [{ ...slot, days: ['someday'] }, 400, 'invalid_input', 'body.days[0]'],
      [{ ...slot, currency: 'EUR' }, 400, 'currency_not_taken', 'body.currency'],
      [{ ...slot, priceMinor: -5 }, 400, 'invalid_input', 'body.priceMinor'],
    ];
    for (const [input, status, code, field] of slotRefusals) {
      const answer = await answerOf(await put(slotPath, input));
      expect([answer.status, answer.code, answer.field], JSON.stringify(input)).toEqual([
        status,
        code,
        field,
      ]);
    }
    expect((await answerOf(await get(slotPath))).body).toEqual(made.body);

    // 2027-03-06 is a Saturday; in March London keeps GMT, in July BST (UTC+1).
    const slotId = made.body.slotId as number;
    const shopper = { userId: `u-${randomUUID()}` };
    const book = (startsAt: string) =>
      api.call('/v1/cart/bookings', {
        method: 'POST',
        shopper,
        body: JSON.stringify({ slotId, startsAt }),
      });
    const bookings: [string, number][] = [
      ['2027-03-06T09:00:00Z', 201],
      ['2027-03-06T11:30:00Z', 400], // would end at 12:30
      ['2027-03-05T10:00:00Z', 400], // a Friday
      ['2027-07-03T13:00:00Z', 201], // 14:00 in London
      ['2027-07-03T12:30:00Z', 400], // 13:30 in London
    ];
    for (const [startsAt, status] of bookings) {
      const answer = await answerOf(await book(startsAt));
      expect([answer.status, answer.status === 400 ? answer.code : undefined], startsAt).toEqual([
        status,
        status === 400 ? 'slot_closed' : undefined,
      ]);
    }
    // Retired: bookings of it in carts are unavailable, and nobody books it again.
    expect((await answerOf(await del(slotPath))).body.retiredAt).toEqual(expect.any(String));
    const cart = (await (await api.call('/v1/cart', { shopper })).json()) as {
      pages: { lines: { kind: string; problem?: string }[] }[];
    };
    expect(cart.pages.flatMap((p) => p.lines).map((l) => [l.kind, l.problem])).toEqual([
      ['booking', 'booking_unavailable'],
      ['booking', 'booking_unavailable'],
    ]);
    expect((await book('2027-03-13T09:00:00Z')).status).toBe(404);
    // A retired calendar takes nothing new.
    await del(`/v1/admin/calendars/${calendar.ref}`);
    const onRetired = await answerOf(
      await put(`/v1/admin/calendars/${calendar.ref}/slots/${newRef('hall')}`, {
        ...slot,
        name: 'Hall',
      }),
    );
    expect([onRetired.status, onRetired.code, onRetired.field]).toEqual([
      409,
      'calendar_retired',
      'path.calendarRef',
    ]);
  });

  it('never lets a capacity go below what is sold, nor the currency of sold tickets change; retiring a type takes it off sale', async () => {
    const calendar = await newCalendar();
    const entryRef = newRef('gig');
    const event = {
      calendarRef: calendar.ref,
      name: 'Friday folk night',
      startsAt: '2027-03-05T20:00:00Z',
      currency: 'GBP',
    };
    const made = await answerOf(await put(`/v1/admin/entries/${entryRef}`, event));
    expect(made).toMatchObject({
      status: 201,
      body: { ...event, startsAt: '2027-03-05T20:00:00.000Z', sold: 0 },
    });
    expect((await answerOf(await put(`/v1/admin/entries/${entryRef}`, event))).status).toBe(200);
    const moved = await answerOf(
      await put(`/v1/admin/entries/${entryRef}`, {
        ...event,
        startsAt: '2027-03-12T20:00:00+00:00',
      }),
    );
    expect(moved).toMatchObject({ status: 200, body: { startsAt: '2027-03-12T20:00:00.000Z' } });
    expect((await answerOf(await get(`/v1/admin/entries/${entryRef}`))).body).toEqual(moved.body);
    const backwards = await answerOf(
      await put(`/v1/admin/entries/${entryRef}`, { ...event, endsAt: '2027-03-05T19:00:00Z' }),
    );
    expect([backwards.status, backwards.code, backwards.field]).toEqual([
      400,
      'ends_before_start',
      'body.endsAt',
    ]);
    const typePath = `/v1/admin/entries/${entryRef}/ticket-types/${newRef('standing')}`;
    const type = { name: 'Standing', priceMinor: 1200, currency: 'GBP', capacity: 3 };
    const typeMade = await answerOf(await put(typePath, type));
    expect(typeMade).toMatchObject({ status: 201, body: { ...type, sold: 0 } });

    // Two are sold.
    const shopper = { userId: `u-${randomUUID()}` };
    const bought = await api.call('/v1/cart/tickets', {
      method: 'POST',
      shopper,
      body: JSON.stringify({
        entryId: made.body.entryId,
        ticketTypeId: typeMade.body.ticketTypeId,
        quantity: 2,
      }),
    });
    expect(bought.status).toBe(201);
    const order = await orderFromCart(db(), shopper, calendar.page.pageId);
    await claimEntriesAndTickets(db(), order.orderId);
    await confirmPaidOrder(db(), { orderId: order.orderId, transactionId: `tx-${randomUUID()}` });

    const below = await answerOf(await put(typePath, { ...type, capacity: 1 }));
    expect([below.status, below.code, below.field, below.body.sold]).toEqual([
      409,
      'capacity_below_sold',
      'body.capacity',
      2,
    ]);
    const currency = await answerOf(await put(typePath, { ...type, currency: 'EUR' }));
    expect([currency.status, currency.code, currency.field]).toEqual([
      409,
      'currency_locked',
      'body.currency',
    ]);
    const exactly = await answerOf(await put(typePath, { ...type, capacity: 2, priceMinor: 1500 }));
    expect(exactly).toMatchObject({
      status: 200,
      body: { capacity: 2, priceMinor: 1500, sold: 2 },
    });
    // The order kept the price it was sold at.
    const items = await db().select().from(orderItems).where(eq(orderItems.orderId, order.orderId));
    expect(items.map((i) => i.unitPriceMinor)).toEqual([1200, 1200]);

    // Retired: another shopper's ticket of it in a cart is unavailable; none is added again.
    const other = { userId: `u-${randomUUID()}` };
    const typeId = typeMade.body.ticketTypeId;
    const addTicket = () =>
      api.call('/v1/cart/tickets', {
        method: 'POST',
        shopper: other,
        body: JSON.stringify({ entryId: made.body.entryId, ticketTypeId: typeId, quantity: 1 }),
      });
    expect((await addTicket()).status).toBe(201);
    expect((await answerOf(await del(typePath))).body.retiredAt).toEqual(expect.any(String));
    const cart = (await (await api.call('/v1/cart', { shopper: other })).json()) as {
      pages: { lines: { problem?: string }[] }[];
    };
    expect(cart.pages.flatMap((p) => p.lines).map((l) => l.problem)).toEqual([
      'ticket_unavailable',
    ]);
    expect((await addTicket()).status).toBe(404);
    // Retiring the event takes its own tickets off sale too; what was sold stays valid.
    const eventRetired = await answerOf(await del(`/v1/admin/entries/${entryRef}`));
    expect(eventRetired.body).toMatchObject({ retiredAt: expect.any(String) });
    const untyped = await api.call('/v1/cart/tickets', {
      method: 'POST',
      shopper: other,
      body: JSON.stringify({ entryId: made.body.entryId, quantity: 1 }),
    });
    expect(untyped.status).toBe(404);
    await untyped.arrayBuffer();
    const sold = await db().select().from(tickets).where(eq(tickets.orderId, order.orderId));
    expect(sold.map((t) => t.state)).toEqual(['confirmed', 'confirmed']);
    const unknownEntry = await answerOf(
      await put(`/v1/admin/entries/${newRef('none')}/ticket-types/x`, type),
    );
    expect([unknownEntry.status, unknownEntry.code]).toEqual([404, 'entry_not_found']);
  });
});

/** A page paying MERCHANT, with a product a shopper can put in the cart. */
async function pageWithProduct() {
  const page = await newPage();
  const sumupPath = `/v1/admin/pages/${page.ref}/sumup`;
  expect(
    (await put(sumupPath, { merchantCode: MERCHANT.merchantCode, apiKey: MERCHANT.apiKey })).status,
  ).toBe(200);
  const product = await answerOf(
    await put(`/v1/admin/products/${newRef('zine')}`, {
      pageRef: page.ref,
      title: 'Zine',
      priceMinor: 350,
      currency: 'GBP',
    }),
  );
  const addToCart = async () => {
    const shopper = { userId: `u-${randomUUID()}` };
    const added = await api.call('/v1/cart/products', {
      method: 'POST',
      shopper,
      body: JSON.stringify({ productId: product.body.productId, quantity: 1 }),
    });
    expect(added.status).toBe(201);
    return shopper;
  };
  return { ...page, sumupPath, addToCart };
}

describe("a page's SumUp key changed while checkouts are open", () => {
  it('is the key those checkouts use next: they still get paid after the old key is revoked', async () => {
    const page = await pageWithProduct();
    const { sumupPath } = page;
    const shopper = await page.addToCart();
    const result = await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, { shopper, scope: { pageId: page.pageId } });
      // The merchant makes a new key, the page is given it, and the old one is revoked.
      const newKey = `sup_sk_test_hall_rotated_${randomUUID().slice(0, 8)}`;
      expect(
        (
          await f.control('/accounts', {
            api_key: newKey,
            merchant_code: MERCHANT.merchantCode,
            merchant_name: MERCHANT.merchantName,
          })
        ).status,
      ).toBe(201);
      const rotated = await answerOf(
        await put(sumupPath, { merchantCode: MERCHANT.merchantCode, apiKey: newKey }),
      );
      expect(rotated.body.apiKeyLast4).toBe(newKey.slice(-4));
      expect((await f.control(`/accounts/${MERCHANT.apiKey}`, undefined, 'DELETE')).status).toBe(
        204,
      );
      try {
        await f.control(`/checkouts/${sumupIdOf(view.hostedCheckoutUrl!)}/pay`);
        const handle = ctx.temporal.client.workflow.getHandle<typeof checkout>(view.workflowId);
        await handle.signal(sumupWebhookSignal);
        return await handle.result();
      } finally {
        await f.control('/accounts', {
          api_key: MERCHANT.apiKey,
          merchant_code: MERCHANT.merchantCode,
          merchant_name: MERCHANT.merchantName,
        });
      }
    }, payments);
    expect(result.state).toBe('paid');
  });
});

describe("a page's SumUp merchant changed", () => {
  const toOther = { merchantCode: OTHER_MERCHANT.merchantCode, apiKey: OTHER_MERCHANT.apiKey };
  const merchantsOf = async (pageId: number) =>
    (
      await db()
        .select({
          merchant: pageSumupCredentials.merchantCode,
          current: pageSumupCredentials.current,
        })
        .from(pageSumupCredentials)
        .where(eq(pageSumupCredentials.pageId, pageId))
    )
      .map((r) => `${r.merchant.reveal()}${r.current ? ' (current)' : ''}`)
      .sort();

  it('is refused while a checkout is open at the old merchant; once none is, taken, and the old payment is still refunded through the old merchant', async () => {
    const page = await pageWithProduct();
    const shopper = await page.addToCart();
    await ctx.withWorker(async () => {
      const view = await startCheckout(ctx, { shopper, scope: { pageId: page.pageId } });
      const sumupId = sumupIdOf(view.hostedCheckoutUrl!);

      const before = await answerOf(await get(page.sumupPath));
      const refused = await answerOf(await put(page.sumupPath, toOther));
      expect([refused.status, refused.code, refused.field]).toEqual([
        409,
        'merchant_in_use',
        'body.merchantCode',
      ]);
      expect(refused.body).toMatchObject({ openCheckouts: 1, refundsOwed: 0 });
      // Nothing changed: the page still pays the old merchant, and keeps no other.
      expect(await answerOf(await get(page.sumupPath))).toEqual(before);
      expect(await merchantsOf(page.pageId)).toEqual([`${MERCHANT.merchantCode} (current)`]);

      await f.control(`/checkouts/${sumupId}/pay`);
      const handle = ctx.temporal.client.workflow.getHandle<typeof checkout>(view.workflowId);
      await handle.signal(sumupWebhookSignal);
      expect((await handle.result()).state).toBe('paid');

      // Nothing open at the old merchant now: the change is taken.
      const changed = await answerOf(await put(page.sumupPath, toOther));
      expect(changed).toMatchObject({
        status: 200,
        body: { merchantCode: OTHER_MERCHANT.merchantCode },
      });
      expect(await merchantsOf(page.pageId)).toEqual([
        MERCHANT.merchantCode,
        `${OTHER_MERCHANT.merchantCode} (current)`,
      ]);

      // The order paid at the old merchant is refunded there, with its key.
      const refund = await api.admin(`/v1/admin/orders/${view.orderId}/refunds`, {
        method: 'POST',
        headers: { 'idempotency-key': randomUUID() },
        body: JSON.stringify({ amountMinor: 100, reason: 'Goodwill' }),
      });
      expect(refund.status).toBe(202);
      await refund.arrayBuffer();
      await expect
        .poll(
          async () =>
            (
              await db()
                .select({ status: refunds.status, lastError: refunds.lastError })
                .from(refunds)
                .where(eq(refunds.orderId, view.orderId!))
            )[0],
          { timeout: 15_000 },
        )
        .toEqual({ status: 'issued', lastError: null });
      const paidAtSumup = f.emulator.store.find(sumupId)!;
      expect(paidAtSumup.account.merchantCode).toBe(MERCHANT.merchantCode);
      expect(paidAtSumup.transactions[0]!.refunds.map((r) => r.amountMinor)).toEqual([100]);

      // A new checkout of the page pays the new merchant.
      const next = await startCheckout(ctx, {
        shopper: await page.addToCart(),
        scope: { pageId: page.pageId },
      });
      expect(f.emulator.store.find(sumupIdOf(next.hostedCheckoutUrl!))!.account.merchantCode).toBe(
        OTHER_MERCHANT.merchantCode,
      );
      await ctx.temporal.client.workflow.getHandle(next.workflowId).terminate('test over');
    }, payments);
  });

  it('is refused while a refund of the old merchant is owed, until it is settled', async () => {
    const page = await pageWithProduct();
    const order = await orderFromCart(db(), await page.addToCart(), page.pageId);
    // Paid at the old merchant, with a refund it owes that nobody has sent yet.
    await db()
      .update(orders)
      .set({ status: 'paid', paidAt: new Date(), sumupTransactionId: `tx-${randomUUID()}` })
      .where(eq(orders.id, order.orderId));
    const [owed] = await db()
      .insert(refunds)
      .values({
        orderId: order.orderId,
        key: 'test',
        amountMinor: 350,
        currency: 'GBP',
        reason: 'Sold out',
        sumupTransactionId: `tx-${randomUUID()}`,
      })
      .returning();

    const refused = await answerOf(await put(page.sumupPath, toOther));
    expect([refused.status, refused.code]).toEqual([409, 'merchant_in_use']);
    expect(refused.body).toMatchObject({ openCheckouts: 0, refundsOwed: 1 });
    // A new key of the same merchant is no change of merchant: taken.
    const rotated = await answerOf(
      await put(page.sumupPath, { merchantCode: MERCHANT.merchantCode, apiKey: MERCHANT.apiKey }),
    );
    expect(rotated.status).toBe(200);
    expect(await merchantsOf(page.pageId)).toEqual([`${MERCHANT.merchantCode} (current)`]);

    await db()
      .update(refunds)
      .set({ status: 'handled', handledAt: new Date() })
      .where(eq(refunds.id, owed!.id));
    expect((await answerOf(await put(page.sumupPath, toOther))).status).toBe(200);
  });
});
