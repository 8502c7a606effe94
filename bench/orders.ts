import { inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { orders } from '../db/schema/index.ts';

/** Waits until every order has left `pending`; answers each one's row. */
export async function settledOrders(db: Database, ids: number[], timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = [];
    for (let i = 0; i < ids.length; i += 5000) {
      rows.push(
        ...(await db
          .select({
            id: orders.id,
            status: orders.status,
            paidAt: orders.paidAt,
            sumupCheckoutId: orders.sumupCheckoutId,
          })
          .from(orders)
          .where(inArray(orders.id, ids.slice(i, i + 5000)))),
      );
    }
    if (rows.length === ids.length && rows.every((r) => r.status !== 'pending')) return rows;
    if (Date.now() > deadline) {
      const waiting = rows.filter((r) => r.status === 'pending').length;
      throw new Error(`${waiting} of ${ids.length} orders still pending after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
