import { setHandler } from '@temporalio/workflow';
import { sumup, type RefundRetry } from './activity-proxies.ts';
import { refundHandledSignal, type CheckoutView } from './checkout-messages.ts';
import { trackCheckout } from './checkout-view.ts';
import { OrderId } from './search-attributes.ts';
import { settlePaidOrder } from './settle-payment.ts';

export interface ReconcileInput {
  orderId: number;
  refundRetry?: RefundRetry;
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
  setHandler(refundHandledSignal, () => void (refundHandled = true));
  tag([{ key: OrderId, value: String(orderId) }]);
  enter('closing');

  const payment = await sumup.readSumupCheckout({ orderId });
  if (payment.status !== 'PAID') {
    // Not paid: a forged or stale webhook. The order stays as its checkout closed it.
    enter('not_paid');
    return view;
  }
  const settled = await settlePaidOrder(orderId, payment.transactionId!, {
    enter,
    refundHandled: () => refundHandled,
    refundRetry: input.refundRetry,
  });
  view.paid = settled.outcome;
  enter(settled.state);
  return view;
}
