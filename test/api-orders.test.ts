import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import { outboxEvents, tickets, ticketTypes } from '../db/schema/index.ts';
import { checkoutWorkflowId } from '../workflows/checkout-messages.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import { startApi, type TestApi } from './harness/api.ts';
import {
  emulatorPayments,
  expiredOrderStillOpenAtSumup,
  shopPayingEmulator,
  sumupIdOf,
} from './harness/checkout.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let api: TestApi;
let payments: PaymentSettings;
beforeAll(async () => {
  [ctx, f] = await Promise.all([createTestContext('api-orders'), startSumupFixture()]);
  api = await startApi(ctx, { returnPage: { waitMs: 10_000, pollMs: 50 } });
  payments = { ...emulatorPayments(f), publicBaseUrl: api.url };
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
  await f?.close();
});

interface OrderJson {
  token: string;
  orderId: number;
  status: string;
  outcome: string;
  totalMinor: number;
  items: { kind: string; title: string; state: string | null }[];
  refunds: { amountMinor: number; status: string }[];
}
interface Started {
  orderId: number;
  hostedCheckoutUrl: string;
}
const json = async <T>(res: Response) => (await res.json()) as T;
/** A page's text with its whitespace squashed, as a reader sees it. */
const pageText = async (res: Response) => (await res.text()).replace(/\s+/g, ' ');

/** A signed-in shopper with a mug, a booked room and a ticket, on a page paying the emulator. */
async function shopperWithEverything(seats = 5) {
  const shop = await shopPayingEmulator(ctx.database.db, { seats });
  const shopper = { userId: `u-${randomUUID()}` };
  await shop.addMug(shopper, 2);
  await shop.addBooking(shopper);
  await shop.addTickets(shopper.userId, 1);
  return { shop, shopper };
}

const checkOut = async (pageId: number, shopper: Shopper) => {
  const res = await api.call('/v1/checkouts', {
    method: 'POST',
    body: JSON.stringify({ pageId }),
    shopper,
  });
  expect(res.status).toBe(200);
  return json<Started>(res);
};

const orderOf = async (token: string, shopper: Shopper) =>
  json<OrderJson>(await api.call(`/v1/orders/${token}`, { shopper }));

const tokenOf = async (orderId: number, shopper: Shopper) => {
  const { orders } = await json<{ orders: OrderJson[] }>(
    await api.call('/v1/orders?limit=100', { shopper }),
  );
  return orders.find((o) => o.orderId === orderId)!.token;
};

const pay = (started: Started) =>
  f.control(`/checkouts/${sumupIdOf(started.hostedCheckoutUrl)}/pay`);

describe("the shopper's orders", () => {
  it('are listed newest first a page at a time, shown as JSON or HTML, and nobody else sees them', async () => {
    const { shop, shopper } = await shopperWithEverything();
    const stranger = { userId: `u-${randomUUID()}` };
    await ctx.withWorker(async () => {
      // A first checkout is cancelled; the second is paid through SumUp's webhook.
      await checkOut(shop.page.id, shopper);
      await api.call(`/v1/checkouts/${shop.page.id}/cancel`, { method: 'POST', shopper });
      await expect
        .poll(
          async () =>
            (await json<{ orders: OrderJson[] }>(await api.call('/v1/orders', { shopper })))
              .orders[0]?.status,
          { timeout: 10_000 },
        )
        .toBe('cancelled');
      const started = await checkOut(shop.page.id, shopper);
      await pay(started);
      const token = await tokenOf(started.orderId, shopper);
      await expect
        .poll(async () => (await orderOf(token, shopper)).status, { timeout: 10_000 })
        .toBe('paid');

      const first = await json<{ orders: OrderJson[]; next: string }>(
        await api.call('/v1/orders?limit=1', { shopper }),
      );
      expect(first.orders.map((o) => [o.orderId, o.outcome])).toEqual([[started.orderId, 'paid']]);
      expect(first.orders[0]!.items.map((i) => [i.kind, i.state])).toEqual([
        ['product', null],
        ['booking', 'provisional'],
        ['ticket', 'confirmed'],
      ]);
      expect(first.orders[0]!.totalMinor).toBe(2 * 850 + 4000 + 1500);
      const second = await json<{ orders: OrderJson[]; next: string | null }>(
        await api.call(`/v1/orders?limit=1&before=${first.next}`, { shopper }),
      );
      expect(second.orders.map((o) => o.outcome)).toEqual(['failed']);
      expect(second.orders[0]!.status).toBe('cancelled');
      const third = await json<{ orders: OrderJson[]; next: string | null }>(
        await api.call(`/v1/orders?limit=1&before=${second.next}`, { shopper }),
      );
      expect(third).toEqual({ orders: [], next: null });

      const page = await api.call(`/v1/orders/${token}`, {
        shopper,
        headers: { accept: 'text/html' },
      });
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await pageText(page);
      expect(html).toContain('data-outcome="paid"');
      expect(html).toContain('Mug');
      expect(html).toContain('£72.00');
      const list = await (
        await api.call('/v1/orders', { shopper, headers: { accept: 'text/html' } })
      ).text();
      expect(list).toContain(`href="/orders/${token}"`);

      // Someone else's order does not exist for them, and their list is empty.
      const theirs = await api.call(`/v1/orders/${token}`, { shopper: stranger });
      expect([theirs.status, (await json<{ code: string }>(theirs)).code]).toEqual([
        404,
        'order_not_found',
      ]);
      expect(
        (await json<{ orders: unknown[] }>(await api.call('/v1/orders', { shopper: stranger })))
          .orders,
      ).toEqual([]);
      expect((await api.call(`/v1/orders?before=${token}`, { shopper: stranger })).status).toBe(
        404,
      );

      // The browser's order page: the token is the key, a sequential id is never accepted.
      const byToken = await fetch(`${api.url}/orders/${token}`);
      expect(byToken.status).toBe(200);
      expect(await pageText(byToken)).toContain('data-outcome="paid"');
      expect((await fetch(`${api.url}/orders/${'0'.repeat(64)}`)).status).toBe(404);
      const bySequence = await fetch(`${api.url}/orders/${started.orderId}`);
      expect([
        bySequence.status,
        (await json<{ fields: { field: string }[] }>(bySequence)).fields[0]!.field,
      ]).toEqual([400, 'path.token']);
    }, payments);
  });
});

describe('the return page', () => {
  it('wakes the checkout when SumUp sends the shopper back, and shows the order paid', async () => {
    const { shop, shopper } = await shopperWithEverything();
    await f.control('/webhooks/behaviour', { drop: true }, 'PUT');
    try {
      await ctx.withWorker(async () => {
        const started = await checkOut(shop.page.id, shopper);
        await pay(started);
        const token = await tokenOf(started.orderId, shopper);
        // No webhook comes: the shopper's return is what makes the workflow look at SumUp.
        const page = await fetch(`${api.url}/checkout/return/${token}`);
        expect(page.status).toBe(200);
        const html = await pageText(page);
        expect(html).toContain('data-outcome="paid"');
        expect(html).toContain('Rehearsal room');
        expect(html).not.toContain('Refund notice');
        const history = await ctx.temporal.client.workflow
          .getHandle(checkoutWorkflowId(shopper, { pageId: shop.page.id }))
          .fetchHistory();
        const signals = history.events!.flatMap((e) =>
          e.workflowExecutionSignaledEventAttributes
            ? [e.workflowExecutionSignaledEventAttributes.signalName]
            : [],
        );
        expect(signals).toEqual(['shopperReturned']);
      }, payments);
    } finally {
      await f.control('/webhooks/behaviour', { drop: false }, 'PUT');
    }
  });

  it('shows the refund notice for a ticket the event could no longer honour', async () => {
    const { shop, shopper } = await shopperWithEverything();
    await shop.addTickets(shopper.userId, 1);
    await ctx.withWorker(async () => {
      const started = await checkOut(shop.page.id, shopper);
      // The organiser shrinks the event to one seat while the shopper pays for two.
      await ctx.database.db
        .update(ticketTypes)
        .set({ capacity: 1 })
        .where(eq(ticketTypes.id, shop.standing.id));
      await pay(started);
      const token = await tokenOf(started.orderId, shopper);
      await expect
        .poll(async () => (await orderOf(token, shopper)).refunds.length, { timeout: 10_000 })
        .toBe(1);
      const html = await pageText(await fetch(`${api.url}/checkout/return/${token}`));
      expect(html).toContain('data-outcome="paid"');
      expect(html).toContain('Refund notice');
      expect(html).toContain('£15.00 will be refunded');
      expect(html).toContain('<li>Friday gig: Standing</li>');
    }, payments);
  });

  it('asks SumUp before saying not paid: a payment that landed after the checkout gave up shows paid', async () => {
    const { shopper, orderId, ticket, sumupId } = await expiredOrderStillOpenAtSumup(
      ctx.database.db,
      payments,
      3,
    );
    // The shopper paid late, and SumUp's webhook never came.
    await f.control('/webhooks/behaviour', { drop: true }, 'PUT');
    try {
      await f.control(`/checkouts/${sumupId}/pay`);
      await ctx.withWorker(async () => {
        const token = await tokenOf(orderId, shopper);
        const html = await pageText(await fetch(`${api.url}/checkout/return/${token}`));
        expect(html).toContain('data-outcome="paid"');
      }, payments);
    } finally {
      await f.control('/webhooks/behaviour', { drop: false }, 'PUT');
    }
    const [confirmed] = await ctx.database.db
      .select()
      .from(tickets)
      .where(eq(tickets.id, ticket.id));
    expect(confirmed!.state).toBe('confirmed');
  });

  it('says not paid when the shopper cancelled, and 404 for a token nobody has', async () => {
    const { shop, shopper } = await shopperWithEverything();
    await ctx.withWorker(async () => {
      const started = await checkOut(shop.page.id, shopper);
      await api.call(`/v1/checkouts/${shop.page.id}/cancel`, { method: 'POST', shopper });
      const token = await tokenOf(started.orderId, shopper);
      await expect
        .poll(async () => (await orderOf(token, shopper)).status, { timeout: 10_000 })
        .toBe('cancelled');
      const html = await pageText(await fetch(`${api.url}/checkout/return/${token}`));
      expect(html).toContain('data-outcome="failed"');
    }, payments);
    expect((await fetch(`${api.url}/checkout/return/${'f'.repeat(64)}`)).status).toBe(404);
  });
});

describe('a webhook storm', () => {
  it('of duplicates, unknown ids and forged bodies changes nothing it should not', async () => {
    const paid = await shopperWithEverything();
    const waiting = await shopperWithEverything();
    await ctx.withWorker(async () => {
      const paidCheckout = await checkOut(paid.shop.page.id, paid.shopper);
      await pay(paidCheckout);
      const token = await tokenOf(paidCheckout.orderId, paid.shopper);
      await expect
        .poll(async () => (await orderOf(token, paid.shopper)).status, { timeout: 10_000 })
        .toBe('paid');
      const unpaid = await checkOut(waiting.shop.page.id, waiting.shopper);

      const send = (body: unknown) =>
        fetch(`${api.url}/webhooks/sumup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.status);
      const storm = [
        ...Array.from({ length: 20 }, () => ({
          event_type: 'CHECKOUT_STATUS_CHANGED',
          id: sumupIdOf(paidCheckout.hostedCheckoutUrl),
        })),
        ...Array.from({ length: 10 }, () => ({
          event_type: 'CHECKOUT_STATUS_CHANGED',
          id: randomUUID(),
        })),
        // Forged: claims the waiting checkout is paid. The body is never believed.
        ...Array.from({ length: 10 }, () => ({
          event_type: 'CHECKOUT_STATUS_CHANGED',
          id: sumupIdOf(unpaid.hostedCheckoutUrl),
          status: 'PAID',
          amount: 1,
        })),
        ...Array.from({ length: 5 }, () => ({
          event_type: 'CHECKOUT_STATUS_CHANGED',
          id: 'x'.repeat(500),
        })),
        ...Array.from({ length: 5 }, () => ['not', 'an', 'object']),
      ];
      expect(new Set(await Promise.all(storm.map(send)))).toEqual(new Set([204]));

      // The waiting checkout re-read SumUp for every forged ping, and is still waiting.
      const waitingView = await json<{ status: string }>(
        await api.call(`/v1/checkouts/${waiting.shop.page.id}`, { shopper: waiting.shopper }),
      );
      expect(waitingView.status).toBe('awaiting_payment');
      const paidOrder = await orderOf(token, paid.shopper);
      expect([paidOrder.status, paidOrder.refunds]).toEqual(['paid', []]);
      const events = await ctx.database.db
        .select({ type: outboxEvents.type })
        .from(outboxEvents)
        .where(eq(outboxEvents.orderId, paidCheckout.orderId));
      expect(events.map((e) => e.type).sort()).toEqual(['order.created', 'order.paid']);
      await api.call(`/v1/checkouts/${waiting.shop.page.id}/cancel`, {
        method: 'POST',
        shopper: waiting.shopper,
      });
    }, payments);
  });
});

describe('fragments', () => {
  it('count products, bookings and tickets in the cart badge, and link to the orders', async () => {
    const { shopper } = await shopperWithEverything();
    const mini = await api.call('/v1/fragments/cart-mini', { shopper });
    expect(mini.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await mini.text()).toContain('<span class="badge" data-count="4">4</span>');
    const empty = await (
      await api.call('/v1/fragments/cart-mini', { shopper: { sessionId: randomUUID() } })
    ).text();
    expect(empty).toContain('Cart, 0 items');
    expect(empty).not.toContain('badge');
    expect(await (await api.call('/v1/fragments/account-nav-item', { shopper })).text()).toContain(
      'href="/orders"',
    );
    expect((await fetch(`${api.url}/v1/fragments/cart-mini`)).status).toBe(401);
  });
});
