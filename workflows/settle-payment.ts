import { ActivityFailure, condition } from '@temporalio/workflow';
import { db, refunds, type RefundRetry } from './activity-proxies.ts';
import type { CheckoutState } from './checkout-messages.ts';
import type { PaidOutcome } from './checkout-types.ts';

export interface SettleContext {
  enter(state: CheckoutState): void;
  /** True once ops signalled that the refund owed was handled. */
  refundHandled(): boolean;
  refundRetry?: RefundRetry | undefined;
}

/**
 * SumUp reports the order PAID: confirm what can be honoured, and pay back the rest —
 * through SumUp when the page allows it, else (or when SumUp keeps refusing) by waiting,
 * searchable as `refund_due`, until ops say the refund was handled.
 */
export async function settlePaidOrder(
  orderId: number,
  transactionId: string,
  ctx: SettleContext,
): Promise<{ state: 'paid' | 'refunded'; outcome: PaidOutcome }> {
  const outcome = await db.confirmPaidOrder({ orderId, transactionId });
  if (!outcome.refund) return { state: 'paid', outcome };

  try {
    const issued = await refunds(ctx.refundRetry).issueRefund({
      refundId: outcome.refund.refundId,
    });
    if (issued === 'issued') return { state: 'refunded', outcome };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Attempts exhausted or refused for good: a person takes over.
  }
  ctx.enter('refund_due');
  await condition(() => ctx.refundHandled());
  await db.markRefundHandled({ refundId: outcome.refund.refundId });
  return { state: 'refunded', outcome };
}
