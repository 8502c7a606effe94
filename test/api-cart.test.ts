import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimEntriesAndTickets, releaseClaims } from '../activities/calendar/claims.ts';
import { createOrderFromCart } from '../activities/orders/create-order.ts';
import { cartLines, idempotencyKeys, orderItems, tickets } from '../db/schema/index.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { seedShop } from './harness/seed.ts';

let ctx: TestContext;
let api: TestApi;
let shop: Awaited<ReturnType<typeof seedShop>>;
beforeAll(async () => {
  ctx = await createTestContext('api-cart');
  api = await startApi(ctx);
  shop = await seedShop(ctx.database.db, { seats: 3 });
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

interface CartView {
  count: number;
  totalMinor: number;
  productsMinor: number;
  ticketsMinor: number;
  pages: {
    pageId: number;
    totalMinor: number;
    lines: { kind: string; id: number; quantity: number }[];
  }[];
}
const json = async <T>(res: Response) => (await res.json()) as T;

describe('the cart', () => {
  it('adds, changes and removes product lines, priced on the server', async () => {
    const shopper = { sessionId: `s-${randomUUID()}` };
    const add = (quantity: number) =>
      api.call('/v1/cart/products', {
        method: 'POST',
        body: JSON.stringify({ productId: shop.mug.id, quantity }),
        shopper,
      });

    expect((await add(2)).status).toBe(201);
    const cart = await json<CartView>(await add(1));
    expect(cart).toMatchObject({ count: 3, totalMinor: 3 * 850, productsMinor: 3 * 850 });
    expect(cart.pages).toEqual([
      expect.objectContaining({ pageId: shop.page.id, totalMinor: 2550 }),
    ]);

    const changed = await api.call(`/v1/cart/products/${shop.mug.id}`, {
      method: 'PUT',
      body: JSON.stringify({ quantity: 1 }),
      shopper,
    });
    expect((await json<CartView>(changed)).totalMinor).toBe(850);
    expect(await json(await api.call('/v1/cart/summary', { shopper }))).toEqual({
      count: 1,
      totalMinor: 850,
      currencies: ['GBP'],
    });
    expect(
      (await api.call(`/v1/cart/products/${shop.mug.id}`, { method: 'DELETE', shopper })).status,
    ).toBe(204);
    expect(await json(await api.call('/v1/cart/summary', { shopper }))).toEqual({
      count: 0,
      totalMinor: 0,
      currencies: [],
    });
  });

  it('takes tickets from signed-in shoppers only, and only their own back out', async () => {
    const anonymous = { sessionId: `s-${randomUUID()}` };
    const refused = await api.call('/v1/cart/tickets', {
      method: 'POST',
      body: JSON.stringify({ entryId: shop.gig.id }),
      shopper: anonymous,
    });
    expect([refused.status, (await json<{ code: string }>(refused)).code]).toEqual([
      403,
      'sign_in_required',
    ]);

    const buyer = { userId: `u-${randomUUID()}` };
    const bought = await api.call('/v1/cart/tickets', {
      method: 'POST',
      body: JSON.stringify({ entryId: shop.gig.id, ticketTypeId: shop.standing.id, quantity: 2 }),
      shopper: buyer,
    });
    expect(bought.status).toBe(201);
    const cart = await json<CartView>(bought);
    expect(cart).toMatchObject({ count: 2, ticketsMinor: 3000 });
    // Pending tickets hold no seat: more than the capacity can sit in carts.
    const [ticketId] = cart.pages[0]!.lines.filter((l) => l.kind === 'ticket').map((l) => l.id);

    const stranger = { userId: `u-${randomUUID()}` };
    expect(
      (await api.call(`/v1/cart/tickets/${ticketId}`, { method: 'DELETE', shopper: stranger }))
        .status,
    ).toBe(404);
    expect(
      (await api.call(`/v1/cart/tickets/${ticketId}`, { method: 'DELETE', shopper: buyer })).status,
    ).toBe(204);
    // Taken out is cancelled, not deleted: an order may have named it.
    const left = await ctx.database.db
      .select()
      .from(tickets)
      .where(eq(tickets.userId, buyer.userId));
    expect(left.map((t) => [t.id === ticketId, t.state]).sort()).toEqual([
      [false, 'pending'],
      [true, 'cancelled'],
    ]);
  });

  it('refuses unknown things and bad quantities, changing nothing', async () => {
    const shopper = { userId: `u-${randomUUID()}` };
    const unknown = await api.call('/v1/cart/products', {
      method: 'POST',
      body: JSON.stringify({ productId: 999_999 }),
      shopper,
    });
    expect([unknown.status, await json(unknown)]).toEqual([
      404,
      expect.objectContaining({
        code: 'unknown_product',
        fields: [expect.objectContaining({ field: 'body.productId' })],
      }),
    ]);
    for (const quantity of [0, -1, 1.5, 100, '2']) {
      const bad = await api.call('/v1/cart/products', {
        method: 'POST',
        body: JSON.stringify({ productId: shop.mug.id, quantity }),
        shopper,
      });
      expect(bad.status).toBe(400);
      expect((await json<{ fields: { field: string }[] }>(bad)).fields.map((x) => x.field)).toEqual(
        ['body.quantity'],
      );
    }
    const wrongType = await api.call('/v1/cart/tickets', {
      method: 'POST',
      body: JSON.stringify({ entryId: shop.gig.id, ticketTypeId: 999_999 }),
      shopper,
    });
    expect((await json<{ code: string }>(wrongType)).code).toBe('unknown_ticket_type');
    expect(
      (
        await api.call(`/v1/cart/products/${shop.mug.id}`, {
          method: 'PUT',
          body: '{"quantity":2}',
          shopper,
        })
      ).status,
    ).toBe(404);
    expect(
      await ctx.database.db.select().from(cartLines).where(eq(cartLines.userId, shopper.userId)),
    ).toEqual([]);
    expect(
      await ctx.database.db.select().from(tickets).where(eq(tickets.userId, shopper.userId)),
    ).toEqual([]);
  });

  it('adopts the anonymous cart on sign-in: merged, nothing duplicated, nothing lost', async () => {
    const session = { sessionId: `s-${randomUUID()}` };
    const user = { userId: `u-${randomUUID()}` };
    const add = (shopper: typeof session | typeof user, quantity: number) =>
      api.call('/v1/cart/products', {
        method: 'POST',
        body: JSON.stringify({ productId: shop.mug.id, quantity }),
        shopper,
      });
    await add(session, 2);
    await add(user, 1);
    await shop.addBooking(session, 4000);
    const adopt = (sessionToken: string) =>
      api.call('/v1/cart/adopt', {
        method: 'POST',
        body: JSON.stringify({ sessionToken }),
        shopper: user,
      });

    const adopted = await json<CartView>(await adopt(await api.sign(session)));
    expect(adopted).toMatchObject({ count: 4, totalMinor: 3 * 850 + 4000 });
    expect(adopted.pages[0]!.lines.map((l) => [l.kind, l.quantity])).toEqual([
      ['product', 3],
      ['booking', 1],
    ]);
    expect(await json(await api.call('/v1/cart/summary', { shopper: session }))).toMatchObject({
      count: 0,
    });
    // Again: nothing changes.
    expect(await json<CartView>(await adopt(await api.sign(session)))).toMatchObject({
      count: 4,
      totalMinor: 6550,
    });
    const lines = await ctx.database.db
      .select()
      .from(cartLines)
      .where(eq(cartLines.userId, user.userId));
    expect(lines.map((l) => l.quantity)).toEqual([3]);

    const forged = await adopt(`${await api.sign(session)}x`);
    expect([forged.status, (await json<{ code: string }>(forged)).code]).toEqual([
      400,
      'invalid_session_token',
    ]);
    const notASession = await adopt(await api.sign({ userId: 'someone-else' }));
    expect(notASession.status).toBe(400);
  });
});

describe('lines an order once took', () => {
  /** The shopper's cart taken by an order that then expired: its lines are back in the cart. */
  async function cartOfAnExpiredOrder(shopper: Shopper) {
    const created = await createOrderFromCart(ctx.database.db, {
      idempotencyKey: randomUUID(),
      workflowId: `checkout-${randomUUID()}`,
      workflowRunId: randomUUID(),
      shopper,
      scope: { pageId: shop.page.id },
    });
    if (created.kind !== 'created') throw new Error(`no order: ${created.kind}`);
    const { orderId } = created.order;
    expect(await claimEntriesAndTickets(ctx.database.db, orderId)).toEqual({ claimed: true });
    await releaseClaims(ctx.database.db, orderId, 'expired');
    return orderId;
  }
  const itemsOf = async (orderId: number) =>
    (await ctx.database.db.select().from(orderItems).where(eq(orderItems.orderId, orderId))).length;

  it('can be changed and removed, soft-deleted, and the order keeps its items', async () => {
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addMug(shopper, 2);
    const [ticket] = await shop.addTickets(shopper.userId, 1);
    const orderId = await cartOfAnExpiredOrder(shopper);

    const changed = await api.call(`/v1/cart/products/${shop.mug.id}`, {
      method: 'PUT',
      body: JSON.stringify({ quantity: 0 }),
      shopper,
    });
    expect(changed.status).toBe(200);
    expect(
      (await api.call(`/v1/cart/tickets/${ticket!.id}`, { method: 'DELETE', shopper })).status,
    ).toBe(204);
    expect(await json(await api.call('/v1/cart/summary', { shopper }))).toMatchObject({ count: 0 });
    expect(await itemsOf(orderId)).toBe(2);
    const lines = await ctx.database.db
      .select()
      .from(cartLines)
      .where(eq(cartLines.userId, shopper.userId));
    expect(lines.map((l) => l.deletedAt !== null)).toEqual([true]);
  });

  it('merge on sign-in without a 500, when an order took the session’s line', async () => {
    const session = { sessionId: `s-${randomUUID()}` };
    const user = { userId: `u-${randomUUID()}` };
    await shop.addMug(session, 1);
    const orderId = await cartOfAnExpiredOrder(session);
    await shop.addMug(user, 1);
    const adopted = await api.call('/v1/cart/adopt', {
      method: 'POST',
      body: JSON.stringify({ sessionToken: await api.sign(session) }),
      shopper: user,
    });
    expect(adopted.status).toBe(200);
    expect(await json<CartView>(adopted)).toMatchObject({ count: 2, totalMinor: 2 * 850 });
    expect(await itemsOf(orderId)).toBe(1);
  });
});

describe('Idempotency-Key', () => {
  const addMugs = (shopper: Shopper, key: string, quantity = 2) =>
    api.call('/v1/cart/products', {
      method: 'POST',
      body: JSON.stringify({ productId: shop.mug.id, quantity }),
      shopper,
      headers: { 'idempotency-key': key },
    });

  it('replays the first answer to a retry, instead of adding the quantity again', async () => {
    const shopper = { sessionId: `s-${randomUUID()}` };
    const key = randomUUID();
    const first = await addMugs(shopper, key);
    const firstBody = await first.text();
    const retry = await addMugs(shopper, key);
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([
      first.status,
      'true',
    ]);
    expect(await retry.text()).toBe(firstBody);
    expect(await json(await api.call('/v1/cart/summary', { shopper }))).toMatchObject({ count: 2 });
    // Another key is another request; another shopper's same key is theirs.
    expect((await addMugs(shopper, randomUUID())).status).toBe(201);
    expect(await json(await api.call('/v1/cart/summary', { shopper }))).toMatchObject({ count: 4 });
    const other = { sessionId: `s-${randomUUID()}` };
    expect((await addMugs(other, key)).headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 422 for the key used with another request, and 409 while the first is in flight', async () => {
    const shopper = { sessionId: `s-${randomUUID()}` };
    const key = randomUUID();
    expect((await addMugs(shopper, key, 1)).status).toBe(201);
    const reused = await addMugs(shopper, key, 3);
    expect([reused.status, ((await reused.json()) as { code: string }).code]).toEqual([
      422,
      'idempotency_key_reused',
    ]);

    // A request with this key is being answered right now (its row has no answer yet).
    const inFlight = randomUUID();
    await ctx.database.db.insert(idempotencyKeys).values({
      owner: `session:${shopper.sessionId}`,
      key: inFlight,
      fingerprint: 'f'.repeat(64),
    });
    const busy = await addMugs(shopper, inFlight, 1);
    expect(busy.status).toBe(422);
    await busy.arrayBuffer();
    await ctx.database.db
      .update(idempotencyKeys)
      .set({
        fingerprint: createHash('sha256')
          .update(
            `POST /v1/cart/products\n${JSON.stringify({ productId: shop.mug.id, quantity: 1 })}`,
          )
          .digest('hex'),
      })
      .where(eq(idempotencyKeys.key, inFlight));
    const waiting = await addMugs(shopper, inFlight, 1);
    expect([waiting.status, ((await waiting.json()) as { code: string }).code]).toEqual([
      409,
      'idempotency_key_in_flight',
    ]);
    expect(await json(await api.call('/v1/cart/summary', { shopper }))).toMatchObject({ count: 1 });
  });

  it('is documented on every mutating storefront operation', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { parameters: { name: string }[]; security: unknown[] }>
      >;
    };
    const mutating = Object.values(doc.paths).flatMap((ops) =>
      Object.entries(ops).filter(
        ([method, op]) =>
          method !== 'get' &&
          op.security.some((scheme) => Object.keys(scheme as object).includes('shopperToken')),
      ),
    );
    expect(mutating.length).toBeGreaterThan(5);
    for (const [, op] of mutating) {
      expect(op.parameters.map((p) => p.name)).toContain('Idempotency-Key');
    }
  });
});
