import { ActivityFailure, condition } from '@temporalio/workflow';
import type { PaymentState } from '../activities/payments/checkout-payments.ts';
import {
  db,
  DEFAULT_REFUND_RETRY,
  LASTING_REFUND_RETRY,
  refunds,
  type RefundRetry,
} from './activity-proxies.ts';
import type { CheckoutState, CheckoutView } from './checkout-messages.ts';
import type { PaidOutcome } from './checkout-types.ts';
import { runsEdgePaths, timesProvisionalBookings } from './generations.ts';
import { startOrderActions } from './order-actions.ts';

export interface SettleContext {
  enter(state: CheckoutState): void;
  /** True once ops signalled that the refund owed was handled. */
  refundHandled(): boolean;
  refundRetry?: RefundRetry | undefined;
}

export type Settled =
  | { state: 'paid' | 'refunded'; outcome: PaidOutcome }
  | { state: 'payment_mismatch'; mismatches: string[] };

/**
 * SumUp reports the order PAID. A payment that is the order's is settled: what can be
 * honoured is confirmed, the rest paid back. One that is not (another amount, currency,
 * merchant or reference) confirms nothing and is paid back in full.
 */
export async function settlePayment(
  orderId: number,
  payment: PaymentState,
  ctx: SettleContext,
): Promise<Settled> {
  const mismatches = payment.paid?.mismatches ?? [];
  if (mismatches.length === 0) {
    return settlePaidOrder(orderId, payment.transactionId!, ctx, payment.confirmed);
  }

  // Not the order's payment: its seats go back, and all of what SumUp took is owed back.
  await db.releaseClaims({ orderId, outcome: 'failed', reason: 'payment_mismatch' });
  const refund = await db.recordMismatchRefund({
    orderId,
    transactionId: payment.transactionId!,
    amountMinor: payment.paid!.amountMinor,
    currency: payment.paid!.currency,
    mismatches,
  });
  await payBack(refund.refundId, ctx);
  return { state: 'payment_mismatch', mismatches };
}

/** What the status query shows of a settled payment: the outcome, or why it was paid back. */
export function showSettled(view: CheckoutView, settled: Settled): void {
  if (settled.state === 'payment_mismatch') {
    view.reason = `payment_mismatch: ${settled.mismatches.join(', ')}`;
    return;
  }
  delete view.reason;
  view.paid = settled.outcome;
}

/**
 * Confirms what can be honoured, and pays back the rest: through SumUp when the page allows
 * it, else (or when SumUp keeps refusing) by waiting, searchable as `refund_due`, until ops
 * say the refund was handled.
 */
export async function settlePaidOrder(
  orderId: number,
  transactionId: string,
  ctx: SettleContext,
  /** The confirmation, when the step that read SumUp made it already. */
  confirmed?: PaidOutcome,
): Promise<{ state: 'paid' | 'refunded'; outcome: PaidOutcome }> {
  const outcome = confirmed ?? (await db.confirmPaidOrder({ orderId, transactionId }));
  if (outcome.provisional?.length && timesProvisionalBookings()) await startOrderActions(orderId);
  if (!outcome.refund) return { state: 'paid', outcome };
  await payBack(outcome.refund.refundId, ctx);
  return { state: 'refunded', outcome };
}

/** A recorded refund, paid back through SumUp, or by hand once ops say it was handled. */
async function payBack(refundId: number, ctx: SettleContext): Promise<void> {
  try {
    const retry =
      ctx.refundRetry ?? (runsEdgePaths() ? LASTING_REFUND_RETRY : DEFAULT_REFUND_RETRY);
    const issued = await refunds(retry).issueRefund({ refundId });
    if (issued === 'issued') return;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Attempts exhausted or refused for good: a person takes over.
  }
  ctx.enter('refund_due');
  await condition(() => ctx.refundHandled());
  await db.markRefundHandled({ refundId });
}
