import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { db, sumup, type RefundRetry } from './activity-proxies.ts';
import { recheckNowSignal, refundHandledSignal, type CheckoutView } from './checkout-messages.ts';
import { trackCheckout } from './checkout-view.ts';
import { recordsNeedsAttention, runsEdgePaths } from './generations.ts';
import { OrderId } from './search-attributes.ts';
import { settlePayment, showSettled } from './settle-payment.ts';
import { askSumup, type PaymentAnswer } from './sumup-answers.ts';

export interface ReconcileInput {
  orderId: number;
  refundRetry?: RefundRetry;
  /**
   * The order is still pending, but no checkout is left to close it (the sweeper found its
   * workflow gone): close it at SumUp, and if it was not paid, give its claims back.
   */
  closeIfUnpaid?: boolean;
}

/** Duplicate webhooks for the same order start the same workflow, and so collapse. */
export const reconcileWorkflowId = (orderId: number) => `reconcile:order:${orderId}`;

/**
 * A webhook arrived for an order whose checkout workflow had already ended: the shopper
 * may have paid after we gave up. A payment is never ignored: if SumUp says PAID, confirm
 * what still fits and refund the rest, exactly as a timely payment would be.
 */
export async function reconcileLatePayment(input: ReconcileInput): Promise<CheckoutView> {
  const { orderId } = input;
  const { view, enter, tag } = trackCheckout('closing', { orderId });
  let refundHandled = false;
  let recheck = false;
  setHandler(refundHandledSignal, () => void (refundHandled = true));
  setHandler(recheckNowSignal, () => void (recheck = true));
  tag([{ key: OrderId, value: String(orderId) }]);
  enter('closing');

  const read = () => sumup.readSumupCheckout({ orderId });
  // Closing answers the final state too, and nobody can pay after it.
  const ask = input.closeIfUnpaid ? () => sumup.deactivateSumupCheckout({ orderId }) : read;
  let payment: PaymentAnswer = runsEdgePaths() ? await askSumup(ask) : await read();
  let told = false;
  while (payment.status === 'UNREADABLE') {
    // SumUp would not say whether it took the money: ops look, and a recheck asks again.
    view.reason = payment.reason;
    enter('needs_attention');
    if (!told && recordsNeedsAttention()) {
      const { workflowId } = workflowInfo();
      await db.recordNeedsAttention({ orderId, workflowId, reason: payment.reason });
    }
    told = true;
    await condition(() => recheck);
    recheck = false;
    payment = await askSumup(ask);
  }
  delete view.reason;
  if (payment.status !== 'PAID' && input.closeIfUnpaid) {
    await db.releaseClaims({ orderId, outcome: 'expired' });
    enter('expired');
    return view;
  }
  if (payment.status !== 'PAID') {
    // Not paid: a forged or stale webhook. The order stays as its checkout closed it.
    enter('not_paid');
    return view;
  }
  const settled = await settlePayment(orderId, payment, {
    enter,
    refundHandled: () => refundHandled,
    refundRetry: input.refundRetry,
  });
  showSettled(view, settled);
  enter(settled.state);
  return view;
}
