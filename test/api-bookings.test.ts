import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarEntries } from '../db/schema/index.ts';
import { storeSumupCredentials } from '../db/queries/sumup-credentials.ts';
import { Secret } from '../db/secret.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { emulatorPayments, shopPayingEmulator } from './harness/checkout.ts';
import { createTestContext, testCredentialsKeys, type TestContext } from './harness/context.ts';
import { seedShop } from './harness/seed.ts';
import { MERCHANT, startSumupFixture, type SumupFixture } from './sumup/fixture.ts';

let ctx: TestContext;
let f: SumupFixture;
let api: TestApi;
beforeAll(async () => {
  [ctx, f] = await Promise.all([createTestContext('api-bookings'), startSumupFixture()]);
  api = await startApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
  await f?.close();
});

interface CartJson {
  count: number;
  bookingsMinor: number;
  pages: { lines: { kind: string; id: number; title: string; unitPriceMinor: number }[] }[];
}
interface Problem {
  code: string;
  fields?: { field: string }[];
  problems?: { reason: string }[];
}
const json = async <T>(res: Response) => (await res.json()) as T;
const inDays = (days: number, hour = 10) => {
  const at = new Date(Date.now() + days * 86_400_000);
  at.setUTCHours(hour, 0, 0, 0);
  return at.toISOString();
};
const book = (shopper: Shopper, slotId: number, startsAt: string) =>
  api.call('/v1/cart/bookings', {
    method: 'POST',
    body: JSON.stringify({ slotId, startsAt }),
    shopper,
  });
const problemOf = async (res: Response) => [res.status, await json<Problem>(res)] as const;

describe('bookings', () => {
  it('book a slot at a time, priced from the slot, and refuse a clash, the past or an unknown slot', async () => {
    const shop = await seedShop(ctx.database.db, { seats: 3 });
    const anon = { sessionId: randomUUID() };
    const at = inDays(10);

    const booked = await book(anon, shop.room.id, at);
    expect(booked.status).toBe(201);
    const cart = await json<CartJson>(booked);
    expect(cart.pages[0]!.lines.map((l) => [l.kind, l.title, l.unitPriceMinor])).toEqual([
      ['booking', 'Rehearsal room', 4000],
    ]);
    const [entry] = await ctx.database.db
      .select()
      .from(calendarEntries)
      .where(eq(calendarEntries.id, cart.pages[0]!.lines[0]!.id));
    expect([entry!.state, entry!.endsAt!.getTime() - entry!.startsAt.getTime()]).toEqual([
      'pending',
      60 * 60_000,
    ]);

    // The same hour, or one that overlaps it, is already in this cart.
    const halfPast = new Date(Date.parse(at) + 30 * 60_000).toISOString();
    for (const startsAt of [at, halfPast]) {
      const [status, problem] = await problemOf(await book(anon, shop.room.id, startsAt));
      expect([status, problem.code, problem.fields![0]!.field]).toEqual([
        409,
        'time_taken',
        'body.startsAt',
      ]);
    }
    // The next hour starts as this one ends: no clash.
    const nextHour = new Date(Date.parse(at) + 60 * 60_000).toISOString();
    expect((await book(anon, shop.room.id, nextHour)).status).toBe(201);

    const refusals: [unknown, number, string, string][] = [
      [
        { slotId: shop.room.id, startsAt: '2020-01-01T10:00:00Z' },
        400,
        'invalid_input',
        'body.startsAt',
      ],
      [
        { slotId: shop.room.id, startsAt: '2030-01-01T10:00:00' },
        400,
        'invalid_input',
        'body.startsAt',
      ],
      [{ slotId: shop.room.id }, 400, 'invalid_input', 'body.startsAt'],
      [{ slotId: 99999999, startsAt: inDays(3) }, 404, 'unknown_slot', 'body.slotId'],
      [{ slotId: shop.room.id, startsAt: inDays(3), costMinor: 1 }, 400, 'invalid_input', 'body'],
    ];
    for (const [body, status, code, field] of refusals) {
      const res = await api.call('/v1/cart/bookings', {
        method: 'POST',
        body: JSON.stringify(body),
        shopper: anon,
      });
      const problem = await json<Problem>(res);
      expect([res.status, problem.code, problem.fields![0]!.field]).toEqual([status, code, field]);
    }
    const after = await json<CartJson>(await api.call('/v1/cart', { shopper: anon }));
    expect([after.count, after.bookingsMinor]).toEqual([2, 8000]);
  });

  it("come out of their own cart only: another shopper's booking answers 404", async () => {
    const shop = await seedShop(ctx.database.db, { seats: 3 });
    const owner = { userId: `u-${randomUUID()}` };
    const other = { userId: `u-${randomUUID()}` };
    const cart = await json<CartJson>(await book(owner, shop.room.id, inDays(5)));
    const bookingId = cart.pages[0]!.lines[0]!.id;

    const [status, problem] = await problemOf(
      await api.call(`/v1/cart/bookings/${bookingId}`, { method: 'DELETE', shopper: other }),
    );
    expect([status, problem.code]).toEqual([404, 'booking_not_found']);
    expect((await json<CartJson>(await api.call('/v1/cart', { shopper: owner }))).count).toBe(1);

    expect(
      (await api.call(`/v1/cart/bookings/${bookingId}`, { method: 'DELETE', shopper: owner }))
        .status,
    ).toBe(204);
    expect((await json<CartJson>(await api.call('/v1/cart', { shopper: owner }))).count).toBe(0);
    const [entry] = await ctx.database.db
      .select()
      .from(calendarEntries)
      .where(eq(calendarEntries.id, bookingId));
    expect(entry!.state).toBe('cancelled');
    expect(
      (await api.call(`/v1/cart/bookings/${bookingId}`, { method: 'DELETE', shopper: owner }))
        .status,
    ).toBe(404);
  });

  it('of the same hour by two shoppers: the first to check out holds it, the second is told', async () => {
    const shop = await shopPayingEmulator(ctx.database.db, { seats: 3 });
    const first = { userId: `u-${randomUUID()}` };
    const second = { userId: `u-${randomUUID()}` };
    const at = inDays(20);
    // Carts hold nothing: both may put the hour in their cart.
    expect((await book(first, shop.room.id, at)).status).toBe(201);
    expect((await book(second, shop.room.id, at)).status).toBe(201);

    await ctx.withWorker(
      async () => {
        const checkOut = (shopper: Shopper) =>
          api.call('/v1/checkouts', {
            method: 'POST',
            body: JSON.stringify({ pageId: shop.page.id }),
            shopper,
          });
        const held = await checkOut(first);
        expect([held.status, (await json<{ status: string }>(held)).status]).toEqual([
          200,
          'awaiting_payment',
        ]);
        const [status, problem] = await problemOf(await checkOut(second));
        expect([status, problem.code, problem.problems!.map((p) => p.reason)]).toEqual([
          409,
          'lines_unavailable',
          ['time_taken'],
        ]);
        // Now that an order holds the hour, booking it again is refused at once.
        const third = { sessionId: randomUUID() };
        expect((await problemOf(await book(third, shop.room.id, at)))[0]).toBe(409);
        await api.call(`/v1/checkouts/${shop.page.id}/cancel`, { method: 'POST', shopper: first });
      },
      { ...emulatorPayments(f), publicBaseUrl: api.url },
    );
  });
});

describe('when SumUp refuses to create the checkout', () => {
  it('answers 502 with a problem, and the cart is as it was', async () => {
    const shop = await seedShop(ctx.database.db, { seats: 3 });
    await storeSumupCredentials(ctx.database.db, testCredentialsKeys, shop.page.id, {
      merchantCode: MERCHANT.merchantCode,
      apiKey: new Secret('sup_sk_revoked_long_ago'),
    });
    const shopper = { userId: `u-${randomUUID()}` };
    await shop.addTickets(shopper.userId, 1);
    await book(shopper, shop.room.id, inDays(30));
    const before = await json<CartJson>(await api.call('/v1/cart', { shopper }));

    await ctx.withWorker(
      async () => {
        const res = await api.call('/v1/checkouts', {
          method: 'POST',
          body: JSON.stringify({ pageId: shop.page.id }),
          shopper,
        });
        const problem = await json<Problem & { title: string }>(res);
        expect([res.status, problem.code]).toEqual([502, 'payment_provider_refused']);
        expect(JSON.stringify(problem)).not.toContain('sup_sk_');
      },
      { ...emulatorPayments(f), publicBaseUrl: api.url },
    );
    expect(await json<CartJson>(await api.call('/v1/cart', { shopper }))).toEqual(before);
  });
});
