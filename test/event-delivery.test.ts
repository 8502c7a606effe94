import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimEntriesAndTickets, releaseClaims } from '../activities/calendar/claims.ts';
import { failedDeliveries, replayEvents } from '../activities/events/deliveries.ts';
import { createEventActivities } from '../activities/events/index.ts';
import { eventSchemas, eventTypes, type EventType } from '../activities/events/event-types.ts';
import { startEventRelay, type EventRelay } from '../activities/events/relay.ts';
import {
  addSubscriber,
  enableSubscriber,
  removeSubscriber,
  rotateSecret,
} from '../activities/events/subscribers.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import { recordAdminRefund } from '../activities/orders/admin-refunds.ts';
import { checkInTicket } from '../activities/calendar/check-in.ts';
import { acceptBooking } from '../activities/calendar/bookings.ts';
import { markRefundHandled } from '../activities/orders/mark-refund-handled.ts';
import { recordMismatchRefund } from '../activities/orders/refund-mismatched-payment.ts';
import { parseCredentialsKeys } from '../db/sealed.ts';
import {
  eventDeliveries,
  eventDeliveryAttempts,
  eventSubscribers,
  outboxEvents,
  tickets,
} from '../db/schema/index.ts';
import type { Shopper } from '../workflows/checkout-types.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { orderFromCart } from './harness/checkout.ts';
import { seedShop } from './harness/seed.ts';
import { startSubscriber } from './harness/subscriber.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext('event-delivery');
});
afterAll(() => ctx?.close());

const ring = parseCredentialsKeys(`test-1:${randomBytes(32).toString('base64')}`);
const db = () => ctx.database.db;
const newShopper = (): Shopper & { userId: string } => ({ userId: `u-${randomUUID()}` });

// Each test's subscribers and relays go when it ends, so the next test's relay finds only
// its own deliveries.
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function subscriber(script: (number | 'hang')[] = [], events: EventType[] = []) {
  const sub = await startSubscriber(script);
  const added = await addSubscriber(db(), ring, { url: sub.url, events });
  cleanups.push(
    () => sub.close(),
    () => removeSubscriber(db(), added.id).catch(() => {}),
  );
  return { ...sub, id: added.id, secret: added.secret };
}

function relay(settings: Partial<Parameters<typeof startEventRelay>[0]> = {}): EventRelay {
  const started = startEventRelay({ db: db(), credentialsKeys: ring, pollMs: 20, ...settings });
  cleanups.push(() => started.stop());
  return started;
}

const orderFor = async (shopper: Shopper, pageId: number | null) =>
  (await orderFromCart(db(), shopper, pageId)).orderId;

interface Delivered {
  id: string;
  type: EventType;
  data: { order: { orderId: number } } & Record<string, unknown>;
}
const parsed = (body: string) => JSON.parse(body) as Delivered & { timestamp: string };
const deliveryStates = async (subscriberId: number) =>
  (
    await db()
      .select({ state: eventDeliveries.state })
      .from(eventDeliveries)
      .where(eq(eventDeliveries.subscriberId, subscriberId))
  ).map((d) => d.state);

describe('events leave the building', () => {
  it('delivers every event type, signed as Standard Webhooks verifies, with data its schema parses', async () => {
    const sub = await subscriber();
    const shop = await seedShop(db(), { seats: 1 });
    // order.created, then order.closed: a checkout that expired, its seat released.
    const late = newShopper();
    await shop.addTickets(late.userId, 1);
    const lateOrder = await orderFor(late, shop.page.id);
    await claimEntriesAndTickets(db(), lateOrder);
    await releaseClaims(db(), lateOrder, 'expired', 'card_declined');
    // Another shopper takes the seat; the late payment lands: order.paid, order.refund_due.
    const prompt = newShopper();
    await shop.addTickets(prompt.userId, 1);
    await claimEntriesAndTickets(db(), await orderFor(prompt, shop.page.id));
    const paid = await confirmPaidOrder(db(), { orderId: lateOrder, transactionId: 'tx-late' });
    // Ops pay it back by hand: order.refunded.
    await markRefundHandled(db(), paid.refund!.refundId);
    // Someone else's payment does not match their order: order.payment_mismatch.
    const odd = newShopper();
    await shop.addMug(odd, 1);
    const oddOrder = await orderFor(odd, shop.page.id);
    await recordMismatchRefund(db(), {
      orderId: oddOrder,
      transactionId: 'tx-odd',
      amountMinor: 100,
      currency: 'GBP',
      mismatches: ['amount'],
    });

    // The prompt shopper pays and goes in (ticket.checked_in); then ops cancel the order:
    // order.cancelled.
    const [promptTicket] = await db()
      .select()
      .from(tickets)
      .where(eq(tickets.userId, prompt.userId));
    await confirmPaidOrder(db(), { orderId: promptTicket!.orderId!, transactionId: 'tx-prompt' });
    await checkInTicket(db(), promptTicket!.code);
    await recordAdminRefund(db(), {
      orderId: promptTicket!.orderId!,
      request: { kind: 'cancel', reason: 'moved', force: true },
      actor: 'test',
      requestId: randomUUID(),
    });
    // A booking the organiser declines (booking.declined), and the same hour booked again and
    // accepted (booking.confirmed).
    const paidBooking = async () => {
      const booker = newShopper();
      const entry = await shop.addBooking(booker);
      const orderId = await orderFor(booker, shop.page.id);
      await claimEntriesAndTickets(db(), orderId);
      await confirmPaidOrder(db(), { orderId, transactionId: `tx-${randomUUID()}` });
      return { orderId, entryId: entry.id };
    };
    const declined = await paidBooking();
    await recordAdminRefund(db(), {
      orderId: declined.orderId,
      request: { kind: 'decline', entryId: declined.entryId, reason: 'closed that day' },
      actor: 'test',
      requestId: randomUUID(),
    });
    await acceptBooking(db(), (await paidBooking()).entryId);
    // And one SumUp would not say about: order.needs_attention, as a workflow records it.
    await createEventActivities(db()).recordNeedsAttention({
      orderId: oddOrder,
      workflowId: 'checkout:test',
      reason: 'SumupNotFound: SumUp read checkout answered 404',
    });

    relay();
    await expect
      .poll(() => new Set(sub.received.map((r) => parsed(r.body).type)).size, { timeout: 10_000 })
      .toBe(eventTypes.length);

    const webhook = new Webhook(sub.secret);
    for (const { headers, body } of sub.received) {
      const { type, data, timestamp } = parsed(body);
      // The standardwebhooks package, as a subscriber uses it, verifies the delivery.
      expect(() => webhook.verify(body, headers as Record<string, string>), type).not.toThrow();
      expect(headers['webhook-id']).toMatch(/^evt_\d+$/);
      expect(eventSchemas[type].safeParse(data).success, type).toBe(true);
      expect(Number.isNaN(Date.parse(timestamp))).toBe(false);
    }
    // The late order's events: the prompt one was paid and cancelled too.
    const byType = (type: EventType) =>
      sub.received
        .map((r) => parsed(r.body))
        .find((e) => e.type === type && [lateOrder, oddOrder].includes(e.data.order.orderId))!.data;
    expect(byType('order.closed')).toMatchObject({
      version: 1,
      outcome: 'expired',
      reason: 'card_declined',
      order: { orderId: lateOrder, status: 'expired', shopper: { userId: late.userId } },
    });
    expect(byType('order.paid')).toMatchObject({
      order: {
        orderId: lateOrder,
        sumupTransactionId: 'tx-late',
        items: [
          {
            kind: 'ticket',
            pageId: shop.page.id,
            quantity: 1,
            unitPriceMinor: 1500,
            amountMinor: 1500,
          },
        ],
      },
      unhonoured: [expect.objectContaining({ kind: 'ticket', reason: 'sold_out' })],
    });
    expect(byType('order.refunded')).toMatchObject({
      refund: {
        amountMinor: 1500,
        by: 'ops',
        lines: [expect.objectContaining({ kind: 'ticket' })],
      },
    });
    expect(byType('order.payment_mismatch')).toMatchObject({
      paid: { amountMinor: 100, currency: 'GBP' },
      mismatches: ['amount'],
      refund: { amountMinor: 100, lines: [] },
    });
    // Delivered everywhere, the events are published.
    const [paidEvent] = await db()
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.key, `order.paid:${lateOrder}`));
    expect(paidEvent!.publishedAt).toBeInstanceOf(Date);
  });

  it('sends only the types a subscriber asked for, and signs with both secrets during a rotation', async () => {
    const sub = await subscriber([], ['order.closed']);
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    await shop.addMug(shopper, 1);
    const orderId = await orderFor(shopper, shop.page.id);
    const rotated = await rotateSecret(db(), ring, sub.id, 60_000);
    await releaseClaims(db(), orderId, 'cancelled');
    relay();
    await expect.poll(() => sub.received.length, { timeout: 10_000 }).toBe(1);
    const [only] = sub.received;
    expect(parsed(only!.body).type).toBe('order.closed');
    // Either secret verifies it: subscribers switch over at their own pace.
    for (const secret of [sub.secret, rotated.secret]) {
      expect(() =>
        new Webhook(secret).verify(only!.body, only!.headers as Record<string, string>),
      ).not.toThrow();
    }
    expect(String(only!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // The secret is kept sealed: the row holds neither secret.
    const [row] = await db().select().from(eventSubscribers).where(eq(eventSubscribers.id, sub.id));
    expect(JSON.stringify(row)).not.toContain(sub.secret.slice(6));
    expect(JSON.stringify(row)).not.toContain(rotated.secret.slice(6));
  });

  it('retries after a 5xx and a timeout with the same webhook-id, and records every attempt', async () => {
    const sub = await subscriber([503, 'hang']);
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    await shop.addMug(shopper, 1);
    await orderFor(shopper, shop.page.id);
    relay({ timeoutMs: 300, retryDelaysMs: [50] });
    await expect.poll(() => deliveryStates(sub.id), { timeout: 10_000 }).toEqual(['delivered']);

    expect(sub.received.map((r) => r.answer)).toEqual([503, 'hang', 204]);
    expect(new Set(sub.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const [delivery] = await db()
      .select()
      .from(eventDeliveries)
      .where(eq(eventDeliveries.subscriberId, sub.id));
    const attempts = await db()
      .select({ status: eventDeliveryAttempts.status, error: eventDeliveryAttempts.error })
      .from(eventDeliveryAttempts)
      .where(eq(eventDeliveryAttempts.deliveryId, delivery!.id))
      .orderBy(eventDeliveryAttempts.id);
    expect(attempts).toEqual([
      { status: 503, error: 'HTTP 503' },
      { status: null, error: 'timeout' },
      { status: 204, error: null },
    ]);
  });

  it("sends one order's events in the order they happened, even when the first fails", async () => {
    const sub = await subscriber([500, 500]);
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    await shop.addMug(shopper, 1);
    const orderId = await orderFor(shopper, shop.page.id);
    await releaseClaims(db(), orderId, 'cancelled');
    relay({ retryDelaysMs: [30] });
    await expect
      .poll(() => deliveryStates(sub.id), { timeout: 10_000 })
      .toEqual(['delivered', 'delivered']);
    expect(sub.received.map((r) => `${parsed(r.body).type} ${r.answer}`)).toEqual([
      'order.created 500',
      'order.created 500',
      'order.created 204',
      'order.closed 204',
    ]);
  });

  it('does not send one delivery from two relays at once', async () => {
    const sub = await subscriber();
    const shop = await seedShop(db(), { seats: 5 });
    for (let i = 0; i < 30; i++) {
      const shopper = newShopper();
      await shop.addMug(shopper, 1);
      await orderFor(shopper, shop.page.id);
    }
    relay({ batch: 5 });
    relay({ batch: 5 });
    await expect
      .poll(() => deliveryStates(sub.id), { timeout: 10_000 })
      .toEqual(Array(30).fill('delivered'));
    const ids = sub.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(30);
    expect(ids).toHaveLength(30);
  });

  it('disables a subscriber that says 410 Gone, or fails past the limit, and loses nothing', async () => {
    const gone = await subscriber([410]);
    const failing = await subscriber([500, 500, 500, 500, 500, 500, 500, 500]);
    const shop = await seedShop(db(), { seats: 5 });
    const shopper = newShopper();
    await shop.addMug(shopper, 1);
    await orderFor(shopper, shop.page.id);
    relay({ retryDelaysMs: [40], disableAfterMs: 150 });
    const stateOf = async (id: number) =>
      (await db().select().from(eventSubscribers).where(eq(eventSubscribers.id, id)))[0]!;
    await expect
      .poll(async () => (await stateOf(gone.id)).state, { timeout: 10_000 })
      .toBe('disabled');
    await expect
      .poll(async () => (await stateOf(failing.id)).state, { timeout: 10_000 })
      .toBe('disabled');
    expect((await stateOf(gone.id)).disabledReason).toBe('gone: answered 410 Gone');
    expect((await stateOf(failing.id)).disabledReason).toMatch(/^failing since \S+Z: HTTP 500$/);
    expect(gone.received).toHaveLength(1);
    const firstId = failing.received[0]!.headers['webhook-id'];
    // An event written while they are disabled waits for them too.
    const another = newShopper();
    await shop.addMug(another, 1);
    await releaseClaims(db(), await orderFor(another, shop.page.id), 'cancelled');

    // Ops see what waits, and once the subscriber is back, it goes out.
    const waiting = await failedDeliveries(db(), 100);
    expect(waiting.map((d) => (d.subscriber as { id: number }).id).sort()).toEqual(
      [gone.id, gone.id, gone.id, failing.id, failing.id, failing.id].sort(),
    );
    failing.script(204);
    const sent = failing.received.length;
    await enableSubscriber(db(), failing.id);
    await expect
      .poll(() => deliveryStates(failing.id), { timeout: 10_000 })
      .toEqual(['delivered', 'delivered', 'delivered']);
    expect(
      failing.received
        .slice(sent)
        .map((r) => parsed(r.body).type)
        .sort(),
    ).toEqual(['order.closed', 'order.created', 'order.created']);

    // A replay sends the first again, under the same webhook-id.
    const eventId = Number(String(firstId).slice(4));
    expect(await replayEvents(db(), { id: eventId })).toEqual({ replayed: 2 });
    await expect.poll(() => failing.received.length, { timeout: 10_000 }).toBe(sent + 4);
    expect(failing.received.at(-1)!.headers['webhook-id']).toBe(firstId);
    await enableSubscriber(db(), gone.id);
    await expect.poll(() => gone.received.length, { timeout: 10_000 }).toBe(4);
  });
});
