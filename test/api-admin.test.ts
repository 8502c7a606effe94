import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimEntriesAndTickets } from '../activities/calendar/claims.ts';
import { confirmPaidOrder } from '../activities/orders/confirm-paid-order.ts';
import { adminAudit, outboxEvents, tickets } from '../db/schema/index.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { orderFromCart } from './harness/checkout.ts';
import { createTestContext, type TestContext } from './harness/context.ts';
import { seedShop } from './harness/seed.ts';

let ctx: TestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTestContext('api-admin');
  api = await startApi(ctx);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

const db = () => ctx.database.db;

/** A shop whose gig has `seats`, and a shopper who paid for `paid` of its tickets. */
async function paidTickets(seats: number, paid: number) {
  const shop = await seedShop(db(), { seats });
  const shopper = { userId: `u-${randomUUID()}` };
  const bought = await shop.addTickets(shopper.userId, paid);
  const order = await orderFromCart(db(), shopper, shop.page.id);
  await claimEntriesAndTickets(db(), order.orderId);
  await confirmPaidOrder(db(), { orderId: order.orderId, transactionId: `tx-${randomUUID()}` });
  return { shop, shopper, order, tickets: bought };
}

const checkIn = (code: string, body: object = {}) =>
  api.admin(`/v1/admin/tickets/${code}/check-in`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
const problemOf = async (res: Response) => {
  const body = (await res.json()) as { code: string; fields?: { field: string }[] };
  return [res.status, body.code, body.fields?.[0]?.field];
};

describe('ticket check-in', () => {
  it('lets a paid ticket in once; a second scan says when it first did; every call is audited', async () => {
    const {
      shop,
      order,
      tickets: [ticket],
    } = await paidTickets(5, 1);
    const first = await checkIn(ticket!.code, { entryId: shop.gig.id });
    expect(first.status).toBe(200);
    const answer = (await first.json()) as { checkedInAt: string; alreadyCheckedIn: boolean };
    expect(answer).toMatchObject({
      ticketId: ticket!.id,
      entryId: shop.gig.id,
      orderId: order.orderId,
      alreadyCheckedIn: false,
    });
    const again = await checkIn(ticket!.code);
    expect(await again.json()).toMatchObject({
      alreadyCheckedIn: true,
      checkedInAt: answer.checkedInAt,
    });
    const [row] = await db().select().from(tickets).where(eq(tickets.id, ticket!.id));
    expect(row!.state).toBe('checked_in');
    // Other services hear it once.
    const events = await db()
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.key, `ticket.checked_in:${ticket!.id}`));
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({
      version: 1,
      ticket: { ticketId: ticket!.id, entryId: shop.gig.id },
      order: { orderId: order.orderId },
    });
    const audited = (await db().select().from(adminAudit)).filter((a) =>
      (a.request.path as string).includes(ticket!.code),
    );
    expect(audited.map((a) => [a.actor, a.action, a.status])).toEqual([
      ['door', 'POST /v1/admin/tickets/:code/check-in', 200],
      ['door', 'POST /v1/admin/tickets/:code/check-in', 200],
    ]);
  });

  it('refuses an unknown code, an unpaid ticket and another entry, changing nothing', async () => {
    const {
      shop,
      tickets: [paid],
    } = await paidTickets(5, 1);
    const [unpaid] = await shop.addTickets(`u-${randomUUID()}`, 1);
    expect(await problemOf(await checkIn('0'.repeat(32)))).toEqual([
      404,
      'ticket_not_found',
      undefined,
    ]);
    expect(await problemOf(await checkIn(unpaid!.code))).toEqual([
      409,
      'ticket_not_valid',
      'path.code',
    ]);
    expect(await problemOf(await checkIn(paid!.code, { entryId: shop.gig.id + 1000 }))).toEqual([
      409,
      'ticket_for_another_entry',
      'body.entryId',
    ]);
    expect(await problemOf(await checkIn('not-a-code'))).toEqual([
      400,
      'invalid_input',
      'path.code',
    ]);
    expect(await problemOf(await checkIn(paid!.code, { entryId: 'x' }))).toEqual([
      400,
      'invalid_input',
      'body.entryId',
    ]);
    const states = await db()
      .select({ state: tickets.state })
      .from(tickets)
      .where(eq(tickets.entryId, shop.gig.id));
    expect(states.map((s) => s.state).sort()).toEqual(['confirmed', 'pending']);
  });

  it('answers 403 to the storefront credential and 401 to none, and audits the refusals', async () => {
    const {
      tickets: [ticket],
    } = await paidTickets(5, 1);
    const asStorefront = await api.call(`/v1/admin/tickets/${ticket!.code}/check-in`, {
      method: 'POST',
      body: '{}',
    });
    expect(await problemOf(asStorefront)).toEqual([403, 'admin_only', 'header.authorization']);
    const anonymous = await fetch(`${api.url}/v1/admin/tickets/${ticket!.code}/check-in`, {
      method: 'POST',
    });
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    // A token of the right length in characters but not in bytes is refused, not a 500.
    const wide = await fetch(`${api.url}/v1/admin/tickets/${ticket!.code}/check-in`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'é'.repeat(api.serviceToken.length)}` },
    });
    expect(wide.status).toBe(401);
    await wide.arrayBuffer();
    const [row] = await db().select().from(tickets).where(eq(tickets.id, ticket!.id));
    expect(row!.state).toBe('confirmed');
    const refused = (await db().select().from(adminAudit)).filter(
      (a) => a.actor === 'unauthenticated' && a.action.includes(ticket!.code),
    );
    expect(refused.map((a) => a.status).sort()).toEqual([401, 401, 403]);
    // The audit never keeps a credential.
    expect(JSON.stringify(await db().select().from(adminAudit))).not.toContain(api.serviceToken);
  });
});

describe('seats left', () => {
  it('answers capacity, sold and left per ticket type, to anyone, cached for 5 seconds', async () => {
    const { shop } = await paidTickets(5, 2);
    // Tickets in a cart hold no seat.
    await shop.addTickets(`u-${randomUUID()}`, 1);
    const res = await fetch(`${api.url}/v1/availability/entries/${shop.gig.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    expect(await res.json()).toMatchObject({
      entryId: shop.gig.id,
      ticketTypes: [
        { ticketTypeId: shop.standing.id, name: 'Standing', capacity: 5, sold: 2, left: 3 },
      ],
      untyped: { capacity: null, sold: 0, left: null },
    });
    const unknown = await fetch(`${api.url}/v1/availability/entries/999999`);
    expect(await problemOf(unknown)).toEqual([404, 'entry_not_found', undefined]);
    const bad = await fetch(`${api.url}/v1/availability/entries/0x1`);
    expect(await problemOf(bad)).toEqual([400, 'invalid_input', 'path.entryId']);
  });
});
