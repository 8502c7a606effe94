import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, refunds } from '../../db/schema/index.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { refundData } from '../events/refund-data.ts';

/** Ops settled the refund outside rose-checkout: record it, and close the order's refund. */
export function markRefundHandled(db: Database, refundId: number): Promise<void> {
  return db.transaction(async (tx) => {
    const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
    if (!refund) throw new Error(`refund ${refundId} does not exist`);
    await tx
      .update(refunds)
      .set({ status: 'handled', handledAt: new Date() })
      .where(and(eq(refunds.id, refundId), inArray(refunds.status, ['due', 'failed'])));
    await tx.update(orders).set({ refundState: 'refunded' }).where(eq(orders.id, refund.orderId));
    await recordOrderEvent(
      tx,
      'order.refunded',
      refund.orderId,
      `order.refunded:${refund.orderId}:${refundId}`,
      { refund: { ...refundData(refund), by: 'ops' } },
    );
  });
}
