import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, refunds } from '../../db/schema/index.ts';
import type { PaymentMismatch } from '../../workflows/checkout-types.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { refundData } from '../events/refund-data.ts';

const MISMATCH_REFUND_KEY = 'payment-mismatch';

/**
 * SumUp took a payment that is not the order's (another amount, currency, merchant or
 * reference): it confirms nothing, so all of it is owed back. Records that refund, with its
 * notice (`order.payment_mismatch`), once: recording it again answers the same refund.
 */
export function recordMismatchRefund(
  db: Database,
  input: PaymentMismatch & { orderId: number },
): Promise<{ refundId: number; amountMinor: number; currency: string }> {
  const { orderId } = input;
  return db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (!order) throw new Error(`order ${orderId} does not exist`);
    const [existing] = await tx
      .select()
      .from(refunds)
      .where(and(eq(refunds.orderId, orderId), eq(refunds.key, MISMATCH_REFUND_KEY)));
    if (existing) {
      return {
        refundId: existing.id,
        amountMinor: existing.amountMinor,
        currency: existing.currency,
      };
    }
    const [refund] = await tx
      .insert(refunds)
      .values({
        orderId,
        key: MISMATCH_REFUND_KEY,
        amountMinor: input.amountMinor,
        currency: input.currency,
        reason: `The payment did not match the order: ${input.mismatches.join(', ')}`,
        sumupTransactionId: input.transactionId,
      })
      .returning();
    await tx.update(orders).set({ refundState: 'refund_due' }).where(eq(orders.id, orderId));
    await recordOrderEvent(
      tx,
      'order.payment_mismatch',
      orderId,
      `order.payment_mismatch:${orderId}`,
      {
        paid: { amountMinor: input.amountMinor, currency: input.currency },
        mismatches: input.mismatches,
        refund: refundData(refund!),
      },
    );
    return { refundId: refund!.id, amountMinor: refund!.amountMinor, currency: refund!.currency };
  });
}
