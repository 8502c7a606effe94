import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { orders, pagePaymentSettings, refunds } from '../../db/schema/index.ts';
import { recordOrderEvent } from '../events/order-events.ts';
import { refundData } from '../events/refund-data.ts';
import { settleOrderRefundState } from '../orders/mark-refund-handled.ts';
import type { PaymentSettings } from './checkout-payments.ts';
import { resolveSumupCredentials } from './credentials.ts';
import { nextRefundStep } from './refund-ledger.ts';
import { SumupGateways } from './sumup-gateway.ts';

export type RefundIssue = 'issued' | 'manual';

/**
 * Pays a recorded refund back through SumUp, when the page allows automatic refunds
 * ('manual' otherwise: ops refund by hand). The refund row is the intent, written before
 * anything is sent. SumUp takes no idempotency key, so before every POST the transaction is
 * read back from SumUp: a refund SumUp already holds (its answer was lost, or we crashed
 * after it) is marked issued, never sent again. Each attempt is recorded for ops to see.
 */
export async function issueRefund(
  db: Database,
  settings: PaymentSettings,
  refundId: number,
  gateways = new SumupGateways(settings.sumupHost),
): Promise<RefundIssue> {
  const [row] = await db
    .select({ refund: refunds, order: orders, autoRefund: pagePaymentSettings.autoRefund })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .leftJoin(pagePaymentSettings, eq(pagePaymentSettings.pageId, orders.pageId))
    .where(eq(refunds.id, refundId));
  if (!row)
    throw ApplicationFailure.nonRetryable(`refund ${refundId} does not exist`, 'RefundMissing');
  const { order } = row;
  if (row.refund.status === 'issued' || row.refund.status === 'handled') return 'issued';
  // An admin's refund is sent whatever the page says; one the engine owes, if the page allows.
  if (!row.refund.requestedBy && !(row.autoRefund ?? settings.autoRefundGlobal ?? false)) {
    return 'manual';
  }
  const transactionId = row.refund.sumupTransactionId;
  if (!transactionId) {
    throw ApplicationFailure.nonRetryable(
      `refund ${refundId} names no SumUp transaction`,
      'RefundMissing',
    );
  }
  /** A failed attempt, put on record for ops (refused for good: `failed`), then thrown. */
  const recordFailure = async (error: ApplicationFailure, attempts: number): Promise<never> => {
    await db
      .update(refunds)
      .set({
        attempts,
        lastError: error.message,
        ...(error.nonRetryable ? { status: 'failed' as const } : {}),
      })
      .where(eq(refunds.id, refundId));
    throw error;
  };
  // The merchant that took the payment, which the page may no longer pay: the refund goes
  // back through that merchant's account, with its key. Its key not known (a global order of
  // an earlier default merchant) is a failure ops must see on the refund, as SumUp's are.
  const credentials = await resolveSumupCredentials(
    db,
    order.pageId,
    settings,
    order.sumupMerchantCode,
  ).catch((error: ApplicationFailure) => recordFailure(error, row.refund.attempts + 1));
  const gateway = gateways.for(credentials, settings.sumupTimeoutMs);

  // The refunds of one SumUp transaction are issued one at a time: their rows stay locked
  // from reading SumUp's record to marking this one issued.
  const failed = await db.transaction(async (tx) => {
    const ofTransaction = await tx
      .select()
      .from(refunds)
      .where(eq(refunds.sumupTransactionId, transactionId))
      .orderBy(refunds.id)
      .for('update');
    const refund = ofTransaction.find((r) => r.id === refundId)!;
    if (refund.status === 'issued' || refund.status === 'handled') return undefined;
    try {
      const step = nextRefundStep({
        refundedAtSumup: await gateway.refundedMinor(transactionId, refund.currency),
        issuedBefore: ofTransaction
          .filter((r) => r.id !== refundId && r.status === 'issued')
          .reduce((sum, r) => sum + r.amountMinor, 0),
        amountMinor: refund.amountMinor,
        handledBefore: ofTransaction
          .filter((r) => r.id !== refundId && r.status === 'handled')
          .reduce((sum, r) => sum + r.amountMinor, 0),
      });
      if (step.kind === 'unclear') {
        throw ApplicationFailure.nonRetryable(
          `refund ${refundId}: ${step.reason}`,
          'RefundUnclear',
        );
      }
      if (step.kind === 'send') {
        await gateway.refund(transactionId, refund.currency, refund.amountMinor);
      }
    } catch (error) {
      return { error: error as ApplicationFailure, attempts: refund.attempts + 1 };
    }
    await tx
      .update(refunds)
      .set({
        status: 'issued',
        issuedAt: new Date(),
        attempts: refund.attempts + 1,
        lastError: null,
      })
      .where(eq(refunds.id, refundId));
    // This refund is marked issued above, so only the others can still be owed.
    await settleOrderRefundState(tx, order.id);
    await recordOrderEvent(
      tx,
      'order.refunded',
      order.id,
      `order.refunded:${order.id}:${refundId}`,
      {
        refund: { ...refundData(refund), by: 'sumup' },
      },
    );
    return undefined;
  });
  // The transaction wrote nothing; the failed attempt is put on record after it.
  if (failed) await recordFailure(failed.error, failed.attempts);
  return 'issued';
}
