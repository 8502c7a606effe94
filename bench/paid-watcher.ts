import { and, inArray, ne } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { orders } from '../db/schema/index.ts';

/** Resolves each order's promise once it has left `pending`, polling the database in one query. */
export function paidWatcher(db: Database) {
  const waiting = new Map<number, (status: string) => void>();
  let polling: Promise<void> | undefined;
  const poll = async () => {
    while (waiting.size > 0) {
      const ids = [...waiting.keys()];
      const done = await db
        .select({ id: orders.id, status: orders.status })
        .from(orders)
        .where(and(inArray(orders.id, ids), ne(orders.status, 'pending')));
      for (const row of done) {
        waiting.get(row.id)?.(row.status);
        waiting.delete(row.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    polling = undefined;
  };
  return (orderId: number) =>
    new Promise<string>((resolve) => {
      waiting.set(orderId, resolve);
      polling ??= poll();
    });
}
