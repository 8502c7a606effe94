import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, refunds } from '../../db/schema/index.ts';
import { recordEvent } from '../events/record-event.ts';

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
    await recordEvent(tx, {
      type: 'order.refunded',
      key: `order.refunded:${refund.orderId}:${refundId}`,
      orderId: refund.orderId,
      payload: {
        orderId: refund.orderId,
        refundId,
        amountMinor: refund.amountMinor,
        currency: refund.currency,
        by: 'ops',
      },
    });
  });
}
