import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { claimEntriesAndTickets } from '../activities/calendar/claims.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import { orders } from '../db/schema/index.ts';
import { checkoutWorkflowId } from '../workflows/checkout-messages.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentSettings } from '../activities/payments/checkout-payments.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import type { reconcileLatePayment } from '../workflows/reconcile-late-payment.ts';
import { reconcileWorkflowId } from '../workflows/reconcile-late-payment.ts';
import {
  emulatorPayments,
  orderFromCart,
  shopPayingEmulator,
  sumupIdOf,
} from './harness/checkout.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { freePort } from './harness/free-port.ts';
import { Secret } from '../db/secret.ts';
import { MERCHANT, startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let testApi: TestApi;
let api: string;
let payments: PaymentSettings;
let call: TestApi['call'];
beforeAll(async () => {
  [ctx, f] = await Promise.all([
    createTestContext('api-checkout'),
    startSumupFixture({ webhookCompression: 600 }),
  ]);
  testApi = await startApi(ctx);
  ({ url: api, call } = testApi);
  // SumUp's webhooks go to this API, as they would in production.
  payments = { ...emulatorPayments(f), publicBaseUrl: api };
});
afterAll(async () => {
  await testApi?.close();
  await ctx?.close();
  await f?.close();
});

/** The checkout's status, as the storefront reads it. */
const statusOf = async (pageId: number, shopper: Shopper) =>
  ((await (await call(`/v1/checkouts/${pageId}`, { shopper })).json()) as { status: string })
    .status;

async function shopperWithTickets() {
  const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
  const shopper = { userId: `u-${randomUUID()}` };
  await shop.addTickets(shopper.userId, 2);
  return { shop, shopper };
}

describe('POST /v1/checkouts', () => {
  it("answers the hosted URL, attaches a repeat, and is paid through SumUp's own webhook", async () => {
    const { shop, shopper } = await shopperWithTickets();
    await ctx.withWorker(async () => {
      const body = JSON.stringify({ pageId: shop.page.id });
      const [first, again] = await Promise.all([
        call('/v1/checkouts', { method: 'POST', body, shopper }),
        call('/v1/checkouts', { method: 'POST', body, shopper }),
      ]);
      expect([first.status, again.status]).toEqual([200, 200]);
      const started = (await first.json()) as {
        orderId: number;
        status: string;
        hostedCheckoutUrl: string;
        totalMinor: number;
      };
      expect(started).toMatchObject({
        status: 'awaiting_payment',
        totalMinor: 3000,
        currency: 'GBP',
      });
      expect(((await again.json()) as { orderId: number }).orderId).toBe(started.orderId);

      // The shopper pays; the emulator POSTs its webhook to our API; the workflow confirms.
      await f.control(`/checkouts/${sumupIdOf(started.hostedCheckoutUrl)}/pay`);
      await expect.poll(() => statusOf(shop.page.id, shopper), { timeout: 10_000 }).toBe('paid');
      const deliveries = (await (await f.control('/webhooks', undefined, 'GET')).json()) as {
        url: string;
        outcome: string;
      }[];
      expect(deliveries).toContainEqual(
        expect.objectContaining({ url: `${api}/webhooks/sumup`, outcome: 'delivered' }),
      );

      // Searchable by shopper and page from its start: set by the API, never upserted.
      const { events } = await ctx.temporal.client.workflow
        .getHandle(checkoutWorkflowId(shopper, { pageId: shop.page.id }))
        .fetchHistory();
      const startEvent = events![0]!.workflowExecutionStartedEventAttributes!;
      expect(Object.keys(startEvent.searchAttributes?.indexedFields ?? {})).toEqual(
        expect.arrayContaining(['ShopperId', 'PageId']),
      );
      const upserted = events!.flatMap((e) =>
        Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        ),
      );
      expect(upserted).toContain('CheckoutStatus');
      expect(upserted).not.toContain('ShopperId');
      expect(upserted).not.toContain('PageId');
    }, payments);
  });

  it('refuses a ticket with no seat left before any workflow starts: the same 409, one query, no checkout', async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 2 });
    // Two seats, both held: one paid, one in an open checkout's claim.
    const holders = [{ userId: `u-${randomUUID()}` }, { userId: `u-${randomUUID()}` }];
    for (const [i, holder] of holders.entries()) {
      await shop.addTickets(holder.userId, 1);
      const order = await orderFromCart(ctx.database.db, holder, shop.page.id);
      await claimEntriesAndTickets(ctx.database.db, order.orderId);
      if (i === 0) {
        await confirmPaidOrder(ctx.database.db, {
          orderId: order.orderId,
          transactionId: `tx-${i}`,
        });
      }
    }
    const late = { userId: `u-${randomUUID()}` };
    const [ticket] = await shop.addTickets(late.userId, 1);
    await shop.addMug(late);
    const refused = await call('/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pageId: shop.page.id }),
      shopper: late,
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'lines_unavailable',
      problems: [{ kind: 'ticket', id: ticket!.id, reason: 'sold_out' }],
    });
    // No worker runs here: had a checkout started, the engine would have been asked.
    const handle = ctx.temporal.client.workflow.getHandle(
      checkoutWorkflowId(late, { pageId: shop.page.id }),
    );
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const made = await ctx.database.db.select().from(orders).where(eq(orders.userId, late.userId));
    expect(made).toEqual([]);

    // One seat left of three, and two wanted: the second is the one named, as claiming would.
    const roomier = await shopPayingEmulator(ctx.database.db, { seats: 3 });
    for (const holder of holders) {
      await roomier.addTickets(holder.userId, 1);
      const order = await orderFromCart(ctx.database.db, holder, roomier.page.id);
      await claimEntriesAndTickets(ctx.database.db, order.orderId);
    }
    const pair = { userId: `u-${randomUUID()}` };
    const [, second] = await roomier.addTickets(pair.userId, 2);
    const partly = await call('/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pageId: roomier.page.id }),
      shopper: pair,
    });
    expect(partly.status).toBe(409);
    expect(
      ((await partly.json()) as { problems: { id: number }[] }).problems.map((p) => p.id),
    ).toEqual([second!.id]);
  });

  it('says when the cart is empty, and cancels a running checkout', async () => {
    const { shop, shopper } = await shopperWithTickets();
    await ctx.withWorker(async () => {
      const empty = await call('/v1/checkouts', {
        method: 'POST',
        body: '{}',
        shopper: { sessionId: `s-${randomUUID()}` },
      });
      expect([empty.status, ((await empty.json()) as { code: string }).code]).toEqual([
        409,
        'cart_empty',
      ]);

      await call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({ pageId: shop.page.id }),
        shopper,
      });
      const cancelled = await call(`/v1/checkouts/${shop.page.id}/cancel`, {
        method: 'POST',
        shopper,
      });
      expect(cancelled.status).toBe(202);
      await expect
        .poll(() => statusOf(shop.page.id, shopper), { timeout: 10_000 })
        .toBe('cancelled');
    }, payments);
  });
});

describe('one open order per cart line', () => {
  // A global checkout pays the default merchant: the emulator's, here.
  const globalToo = (): PaymentSettings => ({
    ...payments,
    defaultMerchant: {
      merchantCode: new Secret(MERCHANT.merchantCode),
      apiKey: new Secret(MERCHANT.apiKey),
    },
  });
  const checkoutOf = (shopper: Shopper, pageId: number | null) =>
    call('/v1/checkouts', { method: 'POST', body: JSON.stringify({ pageId }), shopper });

  it('lets one of two concurrent checkouts (global and page) take the lines; the other answers 409 naming it', async () => {
    const { shop, shopper } = await shopperWithTickets();
    await shop.addMug(shopper, 2);
    await shop.addBooking(shopper);
    await ctx.withWorker(async () => {
      const answers = await Promise.all([
        checkoutOf(shopper, null),
        checkoutOf(shopper, shop.page.id),
      ]);
      const bodies = (await Promise.all(answers.map((a) => a.json()))) as Record<string, unknown>[];
      const won = answers.findIndex((a) => a.status === 200);
      const lost = 1 - won;
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const winnerScope = won === 0 ? 'global' : shop.page.id;
      expect(bodies[lost]).toMatchObject({
        code: 'lines_in_checkout',
        openCheckout: { scope: winnerScope },
      });
      // Every line is named: the mug, the booking, both tickets.
      expect(
        (bodies[lost]!.problems as { kind: string; reason: string }[])
          .map((p) => `${p.kind}:${p.reason}`)
          .sort(),
      ).toEqual([
        'booking:in_checkout',
        'product:in_checkout',
        'ticket:in_checkout',
        'ticket:in_checkout',
      ]);
      // One order for the shopper, so one payment at most.
      const { rows } = await ctx.database.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE user_id = $1 AND status = 'pending'`,
        [shopper.userId],
      );
      expect(rows[0]!.n).toBe(1);

      // Once the holder ends, the other scope takes the same lines.
      const winnerPath = `/v1/checkouts/${winnerScope}`;
      await call(`${winnerPath}/cancel`, { method: 'POST', shopper });
      await expect
        .poll(
          async () =>
            ((await (await call(winnerPath, { shopper })).json()) as { status: string }).status,
          {
            timeout: 10_000,
          },
        )
        .toBe('cancelled');
      const retried = await checkoutOf(shopper, won === 0 ? shop.page.id : null);
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ status: 'awaiting_payment', totalMinor: 8700 });
    }, globalToo());
  });

  it('keeps a line as its open checkout took it: adding, changing or removing answers 409 line_in_checkout until it ends', async () => {
    const { shop, shopper } = await shopperWithTickets();
    await shop.addMug(shopper, 1);
    const booking = await shop.addBooking(shopper);
    const [ticket] = await ctx.database.db.query.tickets.findMany({
      where: (t, { eq }) => eq(t.userId, shopper.userId),
    });
    // One after the other: each answer is the cart's after the one before.
    const edits = async () => {
      const requests: [string, string, object?][] = [
        ['POST', '/v1/cart/products', { productId: shop.mug.id, quantity: 1 }],
        ['PUT', `/v1/cart/products/${shop.mug.id}`, { quantity: 3 }],
        ['DELETE', `/v1/cart/products/${shop.mug.id}`],
        ['DELETE', `/v1/cart/bookings/${booking.id}`],
        ['DELETE', `/v1/cart/tickets/${ticket!.id}`],
      ];
      const answers: { status: number; code?: string }[] = [];
      for (const [method, path, body] of requests) {
        const res = await call(path, {
          method,
          shopper,
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        answers.push({
          status: res.status,
          ...(text ? { code: (JSON.parse(text) as { code?: string }).code } : {}),
        });
      }
      return answers;
    };
    await ctx.withWorker(async () => {
      const started = await checkoutOf(shopper, shop.page.id);
      expect(started.status).toBe(200);
      const held = await edits();
      expect(held).toEqual(Array(5).fill({ status: 409, code: 'line_in_checkout' }));
      // The line is as the checkout took it.
      const { rows } = await ctx.database.pool.query(
        `SELECT quantity FROM cart_lines WHERE user_id = $1 AND deleted_at IS NULL`,
        [shopper.userId],
      );
      expect(rows).toEqual([{ quantity: 1 }]);

      await call(`/v1/checkouts/${shop.page.id}/cancel`, { method: 'POST', shopper });
      await expect
        .poll(() => statusOf(shop.page.id, shopper), { timeout: 10_000 })
        .toBe('cancelled');
      expect((await edits()).map((r) => r.status)).toEqual([201, 200, 204, 204, 204]);
    }, payments);
  });
});

describe('while SumUp is down', () => {
  it('answers 503 payment_provider_unavailable with Retry-After by the creation deadline, and the cart is as it was', async () => {
    const { shop, shopper } = await shopperWithTickets();
    const impatient = await startApi(ctx, { checkout: { creationTimeoutMs: 2_000 } });
    await f.control('/faults', { kind: 'server-error', route: 'POST /v0.1/checkouts' });
    try {
      const before = await (await impatient.call('/v1/cart', { shopper })).json();
      await ctx.withWorker(async () => {
        const asked = Date.now();
        const res = await impatient.call('/v1/checkouts', {
          method: 'POST',
          body: JSON.stringify({ pageId: shop.page.id }),
          shopper,
        });
        // The deadline, plus the margin of a workflow task.
        expect(Date.now() - asked).toBeLessThan(2_000 + 3_000);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as { code: string }).code).toBe('payment_provider_unavailable');
      }, payments);
      expect(await (await impatient.call('/v1/cart', { shopper })).json()).toEqual(before);
    } finally {
      await f.control('/faults', undefined, 'DELETE');
      await impatient.close();
    }
  });
});

describe('while the checkout engine cannot take checkouts', () => {
  const startCheckout = (through: TestApi, pageId: number, shopper: { userId: string }) =>
    through.call('/v1/checkouts', { method: 'POST', body: JSON.stringify({ pageId }), shopper });
  const expectUnavailable = async (res: Response, asked: number) => {
    // The bound, plus the margin of one round trip.
    expect(Date.now() - asked).toBeLessThan(1_500 + 2_000);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { code: string }).code).toBe('checkout_unavailable');
  };

  it('answers 503 checkout_unavailable by the bound while no worker runs; a retry once one does gets the checkout', async () => {
    const { shop, shopper } = await shopperWithTickets();
    const bounded = await startApi(ctx, { checkout: { startTimeoutMs: 1_500 } });
    try {
      const asked = Date.now();
      await expectUnavailable(await startCheckout(bounded, shop.page.id, shopper), asked);
      await ctx.withWorker(async () => {
        const retried = await startCheckout(bounded, shop.page.id, shopper);
        expect(retried.status).toBe(200);
        expect(((await retried.json()) as { hostedCheckoutUrl: string }).hostedCheckoutUrl).toMatch(
          /\/pay\/c-/,
        );
        await call(`/v1/checkouts/${shop.page.id}/cancel`, { method: 'POST', shopper });
      }, payments);
    } finally {
      await bounded.close();
    }
  });

  it('answers 503 checkout_unavailable, not 500, when Temporal is unreachable, and /readyz says so', async () => {
    const { shop, shopper } = await shopperWithTickets();
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const cutOff = await startApi(ctx, {
      temporal: new Client({ connection }),
      checkout: { startTimeoutMs: 1_500 },
    });
    try {
      const asked = Date.now();
      await expectUnavailable(await startCheckout(cutOff, shop.page.id, shopper), asked);
      const probed = Date.now();
      const ready = await fetch(`${cutOff.url}/readyz`);
      expect(Date.now() - probed).toBeLessThan(5_000);
      expect([ready.status, ((await ready.json()) as { checks: object }).checks]).toEqual([
        503,
        { postgres: 'ok', temporal: 'unreachable' },
      ]);
    } finally {
      await cutOff.close();
      await connection.close();
    }
  });
});

describe('adoption on sign-in', () => {
  /**
   * The anonymous session has a mug and a booking in a page checkout that is open, and the
   * user a mug of their own; the user signs in while SumUp's page is open.
   */
  async function signInDuringCheckout() {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const session = { sessionId: `s-${randomUUID()}` };
    const user = { userId: `u-${randomUUID()}` };
    const at = new Date(Date.now() + 20 * 86_400_000);
    at.setUTCHours(10, 0, 0, 0);
    const booked = await call('/v1/cart/bookings', {
      method: 'POST',
      body: JSON.stringify({ slotId: shop.room.id, startsAt: at.toISOString() }),
      shopper: session,
    });
    expect(booked.status).toBe(201);
    const sessionMug = await shop.addMug(session, 1);
    await shop.addMug(user, 1);
    const started = await call('/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pageId: shop.page.id }),
      shopper: session,
    });
    expect(started.status).toBe(200);
    const checkout = (await started.json()) as { orderId: number; hostedCheckoutUrl: string };

    const adopted = await call('/v1/cart/adopt', {
      method: 'POST',
      body: JSON.stringify({ sessionToken: await testApi.sign(session) }),
      shopper: user,
    });
    expect(adopted.status).toBe(200);
    return { shop, session, user, sessionMug, checkout, adopted: (await adopted.json()) as Cart };
  }
  interface Cart {
    count: number;
    dropped: { kind: string; reason: string }[];
    pages: { lines: { kind: string; quantity: number }[] }[];
  }
  const linesOf = (cart: Cart) =>
    cart.pages
      .flatMap((p) => p.lines)
      .map((l) => [l.kind, l.quantity])
      .sort();
  const cartOf = async (shopper: Shopper) =>
    (await (await call('/v1/cart', { shopper })).json()) as Cart;
  const orderStatus = async (orderId: number) =>
    (await ctx.database.db.select().from(orders).where(eq(orders.id, orderId)))[0]!.status;

  it("hands the session's open checkout to the user: still payable, shown to the user, and paying it empties the user's cart of its lines", async () => {
    await ctx.withWorker(async () => {
      const { shop, session, user, sessionMug, checkout, adopted } = await signInDuringCheckout();
      // The held mug is the checkout's line, now the user's, with the user's own mug merged in.
      expect(adopted.dropped).toEqual([]);
      // (The cart lists pending bookings; the claimed one is the user's too.)
      expect(linesOf(adopted)).toEqual([['product', 2]]);
      const { rows } = await ctx.database.pool.query(
        'SELECT user_id, quantity, deleted_at FROM cart_lines WHERE id = $1',
        [sessionMug.id],
      );
      expect(rows).toEqual([{ user_id: user.userId, quantity: 2, deleted_at: null }]);
      const entries = await ctx.database.pool.query(
        'SELECT user_id, state FROM calendar_entries WHERE order_id = $1',
        [checkout.orderId],
      );
      expect(entries.rows).toEqual([{ user_id: user.userId, state: 'ordered' }]);

      // Still open, and the user's: their view and a repeat of their checkout both show it.
      const mine = await call(`/v1/checkouts/${shop.page.id}`, { shopper: user });
      expect(await mine.json()).toMatchObject({
        status: 'awaiting_payment',
        orderId: checkout.orderId,
        hostedCheckoutUrl: checkout.hostedCheckoutUrl,
      });
      const again = await call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({ pageId: shop.page.id }),
        shopper: user,
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({
        orderId: checkout.orderId,
        hostedCheckoutUrl: checkout.hostedCheckoutUrl,
      });

      // Paid on SumUp's page: the order is the user's, and what it paid leaves the user's cart.
      await f.control(`/checkouts/${sumupIdOf(checkout.hostedCheckoutUrl)}/pay`);
      await expect.poll(() => statusOf(shop.page.id, session), { timeout: 10_000 }).toBe('paid');
      expect(await orderStatus(checkout.orderId)).toBe('paid');
      const orderList = (await (await call('/v1/orders', { shopper: user })).json()) as {
        orders: { orderId: number; status: string }[];
      };
      expect(orderList.orders).toContainEqual(
        expect.objectContaining({ orderId: checkout.orderId, status: 'paid' }),
      );
      // The user's own mug stays; the paid mug and booking are gone.
      expect(linesOf(await cartOf(user))).toEqual([['product', 1]]);
    }, payments);
  });

  it("gives the adopted checkout's lines back to the user's cart when the user cancels it", async () => {
    await ctx.withWorker(async () => {
      const { shop, user, checkout } = await signInDuringCheckout();
      const cancelled = await call(`/v1/checkouts/${shop.page.id}/cancel`, {
        method: 'POST',
        shopper: user,
      });
      expect(cancelled.status).toBe(202);
      expect(await cancelled.json()).toMatchObject({ orderId: checkout.orderId });
      await expect.poll(() => orderStatus(checkout.orderId), { timeout: 10_000 }).toBe('cancelled');
      // The claims are back, in the user's cart, and may be edited and checked out again.
      expect(linesOf(await cartOf(user))).toEqual([
        ['booking', 1],
        ['product', 2],
      ]);
      const edited = await call(`/v1/cart/products/${shop.mug.id}`, {
        method: 'PUT',
        body: JSON.stringify({ quantity: 3 }),
        shopper: user,
      });
      expect(edited.status).toBe(200);
      const started = await call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({ pageId: shop.page.id }),
        shopper: user,
      });
      expect(started.status).toBe(200);
      expect(((await started.json()) as { orderId: number }).orderId).not.toBe(checkout.orderId);
    }, payments);
  });
  it("refuses to merge into a line the user's open checkout holds, and adopts nothing", async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 5 });
    const session = { sessionId: `s-${randomUUID()}` };
    const user = { userId: `u-${randomUUID()}` };
    const sessionLine = await shop.addMug(session, 2);
    await shop.addMug(user, 1);
    await ctx.withWorker(async () => {
      const started = await call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({ pageId: shop.page.id }),
        shopper: user,
      });
      expect(started.status).toBe(200);
      const adopted = await call('/v1/cart/adopt', {
        method: 'POST',
        body: JSON.stringify({ sessionToken: await testApi.sign(session) }),
        shopper: user,
      });
      expect(adopted.status).toBe(409);
      expect(await adopted.json()).toMatchObject({
        code: 'lines_in_checkout',
        problems: [{ kind: 'product', reason: 'in_checkout' }],
      });
      const { rows } = await ctx.database.pool.query(
        'SELECT user_id, quantity, deleted_at FROM cart_lines WHERE id = $1',
        [sessionLine.id],
      );
      expect(rows).toEqual([{ user_id: null, quantity: 2, deleted_at: null }]);
    }, payments);
  });
});

describe('bad requests get a clear problem and change nothing', () => {
  it.each([
    ['no service credential', { service: 'wrong' }, 401, 'unauthenticated'],
    ['no shopper token', {}, 401, 'invalid_shopper_token'],
    [
      'a forged shopper token',
      {
        headers: { 'x-shopper-token': 'v1.eyJzdWIiOiJ1c2VyOm1lIiwiZXhwIjo5OTk5OTk5OTk5fQ.forged' },
      },
      401,
      'invalid_shopper_token',
    ],
  ])('refuses %s with 401', async (_what, init, status, code) => {
    const res = await call('/v1/checkouts', { method: 'POST', body: '{}', ...init });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status, code });
  });

  it('names the field at fault, and refuses bad JSON, other media types and huge bodies', async () => {
    const shopper = { userId: 'u-bad-input' };
    const invalid = await call('/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pageId: 'seven' }),
      shopper,
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      code: 'invalid_input',
      fields: [{ field: 'body.pageId' }],
    });
    const extra = await call('/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pageId: 1, price: 1 }),
      shopper,
    });
    expect(((await extra.json()) as { code: string }).code).toBe('invalid_input');
    const malformed = await call('/v1/checkouts', { method: 'POST', body: '{"pageId":', shopper });
    expect([malformed.status, ((await malformed.json()) as { code: string }).code]).toEqual([
      400,
      'invalid_json',
    ]);
    const text = await call('/v1/checkouts', {
      method: 'POST',
      body: 'pageId=1',
      shopper,
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const huge = await call('/v1/checkouts', {
      method: 'POST',
      body: JSON.stringify({ pad: 'x'.repeat(50_000) }),
      shopper,
    });
    expect(huge.status).toBe(413);
    const missing = await call('/v1/checkouts/global', { shopper });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
      404,
      'checkout_not_found',
    ]);
    expect((await call('/v1/checkouts/not-a-scope', { shopper })).status).toBe(400);
  });
});

describe('POST /webhooks/sumup', () => {
  const webhook = (body: unknown) =>
    fetch(`${api}/webhooks/sumup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers 204 to anything, and starts a reconciliation for an order whose checkout ended', async () => {
    expect(
      (await webhook({ event_type: 'CHECKOUT_STATUS_CHANGED', id: randomUUID() })).status,
    ).toBe(204);
    expect((await webhook({ event_type: 'SOMETHING_ELSE', id: 'x' })).status).toBe(204);
    expect((await webhook({ nonsense: true })).status).toBe(204);

    const { shop, shopper } = await shopperWithTickets();
    await ctx.withWorker(async () => {
      const started = (await (
        await call('/v1/checkouts', {
          method: 'POST',
          body: JSON.stringify({ pageId: shop.page.id }),
          shopper,
        })
      ).json()) as { orderId: number; hostedCheckoutUrl: string };
      await call(`/v1/checkouts/${shop.page.id}/cancel`, { method: 'POST', shopper });
      await expect
        .poll(() => statusOf(shop.page.id, shopper), { timeout: 10_000 })
        .toBe('cancelled');
      // SumUp (or someone pretending) speaks of that order after its checkout ended.
      expect(
        (
          await webhook({
            event_type: 'CHECKOUT_STATUS_CHANGED',
            id: sumupIdOf(started.hostedCheckoutUrl),
          })
        ).status,
      ).toBe(204);
      const reconciled = await ctx.temporal.client.workflow
        .getHandle<typeof reconcileLatePayment>(reconcileWorkflowId(started.orderId))
        .result();
      // SumUp says the checkout is not paid: nothing changes.
      expect(reconciled.state).toBe('not_paid');
    }, payments);
  });
});

describe('health', () => {
  it('is live, and ready when PostgreSQL and Temporal answer', async () => {
    expect(await (await fetch(`${api}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } },
    ]);
    // helmet's headers, with a CSP that lets a JSON answer load nothing.
    const headers = (await fetch(`${api}/healthz`)).headers;
    expect([
      headers.get('x-content-type-options'),
      headers.get('x-frame-options'),
      headers.get('referrer-policy'),
      headers.get('content-security-policy'),
      headers.get('strict-transport-security'),
    ]).toEqual([
      'nosniff',
      'DENY',
      'no-referrer',
      "default-src 'none';frame-ancestors 'none'",
      'max-age=31536000; includeSubDomains',
    ]);
  });
});
