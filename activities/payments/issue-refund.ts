import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, pagePaymentSettings, refunds } from '../../db/schema/index.ts';
import { recordEvent } from '../events/record-event.ts';
import type { PaymentSettings } from './checkout-payments.ts';
import { resolveSumupCredentials } from './credentials.ts';
import { SumupGateway } from './sumup-gateway.ts';

export type RefundIssue = 'issued' | 'manual';

/**
 * Pays a recorded refund back through SumUp, when the page allows automatic refunds
 * ('manual' otherwise: ops refund by hand). Issuing twice issues once: an issued refund is
 * remembered. Each failed attempt is recorded on the refund for ops to see.
 */
export async function issueRefund(
  db: Database,
  settings: PaymentSettings,
  refundId: number,
): Promise<RefundIssue> {
  const [row] = await db
    .select({ refund: refunds, order: orders, autoRefund: pagePaymentSettings.autoRefund })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .leftJoin(pagePaymentSettings, eq(pagePaymentSettings.pageId, orders.pageId))
    .where(eq(refunds.id, refundId));
  if (!row)
    throw ApplicationFailure.nonRetryable(`refund ${refundId} does not exist`, 'RefundMissing');
  const { refund, order } = row;
  if (refund.status === 'issued' || refund.status === 'handled') return 'issued';
  if (!(row.autoRefund ?? settings.autoRefundGlobal ?? false)) return 'manual';
  if (!refund.sumupTransactionId) {
    throw ApplicationFailure.nonRetryable(
      `refund ${refundId} names no SumUp transaction`,
      'RefundMissing',
    );
  }

  const credentials = await resolveSumupCredentials(db, order.pageId, settings.defaultMerchant);
  const gateway = new SumupGateway(credentials, {
    host: settings.sumupHost,
    timeoutMs: settings.sumupTimeoutMs,
  });
  try {
    await gateway.refund(refund.sumupTransactionId, refund.currency, refund.amountMinor);
  } catch (error) {
    const failure = error as ApplicationFailure;
    await db
      .update(refunds)
      .set({
        attempts: refund.attempts + 1,
        lastError: failure.message,
        ...(failure.nonRetryable ? { status: 'failed' as const } : {}),
      })
      .where(eq(refunds.id, refundId));
    throw error;
  }
  await db.transaction(async (tx) => {
    await tx
      .update(refunds)
      .set({
        status: 'issued',
        issuedAt: new Date(),
        attempts: refund.attempts + 1,
        lastError: null,
      })
      .where(eq(refunds.id, refundId));
    await tx.update(orders).set({ refundState: 'refunded' }).where(eq(orders.id, order.id));
    await recordEvent(tx, {
      type: 'order.refunded',
      key: `order.refunded:${order.id}:${refundId}`,
      orderId: order.id,
      payload: {
        orderId: order.id,
        refundId,
        amountMinor: refund.amountMinor,
        currency: refund.currency,
        by: 'sumup',
      },
    });
  });
  return 'issued';
}
