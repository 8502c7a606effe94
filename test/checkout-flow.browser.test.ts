import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { launchChromium } from './harness/browser.ts';
import { emulatorPayments, shopPayingEmulator } from './harness/checkout.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let api: TestApi;
let payments: PaymentSettings;
let browser: Browser;
let page: Page | undefined;
beforeAll(async () => {
  [ctx, f, browser] = await Promise.all([
    createTestContext('checkout-flow-browser'),
    startSumupFixture(),
    launchChromium(),
  ]);
  api = await startApi(ctx, { returnPage: { waitMs: 10_000, pollMs: 50 } });
  payments = { ...emulatorPayments(f), publicBaseUrl: api.url };
});
afterAll(async () => {
  await page?.close();
  await browser?.close();
  await api?.close();
  await ctx?.close();
  await f?.close();
});

interface OrderJson {
  status: string;
  outcome: string;
  totalMinor: number;
  currency: string;
  items: {
    kind: string;
    title: string;
    quantity: number;
    state: string | null;
    ticketCode: string | null;
  }[];
}
interface Started {
  orderId: number;
  status: string;
  hostedCheckoutUrl: string;
  totalMinor: number;
  currency: string;
}

/** Calls the API as the shopper, expecting `status`, and answers the JSON body. */
async function call<T>(shopper: Shopper, path: string, status: number, body?: unknown) {
  const res = await api.call(path, {
    shopper,
    ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, `${path} answered ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

describe('the whole checkout in a real browser', () => {
  it('goes from cart to SumUp hosted page to our return page, showing the order paid', async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const shopper = { userId: `u-${randomUUID()}` };
    const startsAt = new Date(Date.now() + 5 * 86_400_000);
    startsAt.setUTCHours(10, 0, 0, 0);

    await call(shopper, '/v1/cart/products', 201, { productId: shop.mug.id, quantity: 2 });
    await call(shopper, '/v1/cart/bookings', 201, {
      slotId: shop.room.id,
      startsAt: startsAt.toISOString(),
    });
    const cart = await call<{ totalMinor: number; count: number }>(
      shopper,
      '/v1/cart/tickets',
      201,
      { entryId: shop.gig.id, ticketTypeId: shop.standing.id, quantity: 1 },
    );
    expect([cart.count, cart.totalMinor]).toEqual([4, 2 * 850 + 4000 + 1500]);

    await ctx.withWorker(async () => {
      const started = await call<Started>(shopper, '/v1/checkouts', 200, {
        pageId: shop.page.id,
      });
      expect(started).toMatchObject({
        status: 'awaiting_payment',
        totalMinor: 7200,
        currency: 'GBP',
      });

      // SumUp's hosted page asks for exactly what the server charged.
      page = await browser.newPage();
      await page.goto(started.hostedCheckoutUrl);
      await expect.poll(() => page!.textContent('#amount')).toBe('72.00 GBP');
      await page.click('#pay');
      await page.waitForSelector('main[data-page="Payment successful"]');

      // "Back to the merchant" lands on our return page, which shows the order paid.
      await Promise.all([
        page.waitForURL(/\/checkout\/return\/[0-9a-f]{64}$/),
        page.click('#back'),
      ]);
      expect(page.url().startsWith(`${api.url}/checkout/return/`)).toBe(true);
      await page.waitForSelector('[data-outcome="paid"]');
      expect((await page.textContent('[data-outcome]'))?.trim()).toBe('Paid');

      const rows = await Promise.all(
        (await page.locator('tbody tr[data-kind]').all()).map(async (tr) => [
          await tr.getAttribute('data-kind'),
          ...(await tr.locator('td').allTextContents()).map((text) => text.trim()),
        ]),
      );
      // The paid ticket shows the code the door scans.
      const code = (await page.textContent('tr[data-kind="ticket"] code.ticket-code'))!;
      expect(code).toMatch(/^[0-9a-f]{32}$/);
      expect(rows).toEqual([
        ['product', 'Mug', 'Product', '2', '£17.00', ''],
        ['booking', 'Rehearsal room', 'Booking', '1', '£40.00', 'provisional'],
        ['ticket', 'Friday gig: Standing', 'Ticket', '1', '£15.00', `confirmed ${code}`],
      ]);
      expect((await page.textContent('tfoot th.n'))?.trim()).toBe('£72.00');

      // The API agrees with the page.
      const token = new URL(page.url()).pathname.split('/').at(-1)!;
      const order = await call<OrderJson>(shopper, `/v1/orders/${token}`, 200);
      expect(order).toMatchObject({
        status: 'paid',
        outcome: 'paid',
        totalMinor: 7200,
        currency: 'GBP',
      });
      expect(order.items.map((i) => [i.kind, i.quantity, i.state, i.ticketCode])).toEqual([
        ['product', 2, null, null],
        ['booking', 1, 'provisional', null],
        ['ticket', 1, 'confirmed', code],
      ]);
    }, payments);
  }, 60_000);
});
