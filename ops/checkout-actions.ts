import type { SignalDefinition } from '@temporalio/workflow';
import { checkout } from '../workflows/checkout.ts';
import {
  cancelCheckoutSignal,
  recheckNowSignal,
  refundHandledSignal,
  type CheckoutState,
} from '../workflows/checkout-messages.ts';
import { reconcileLatePayment } from '../workflows/reconcile-late-payment.ts';
import type { ActionName } from './arguments.ts';

export interface CheckoutAction {
  signal: SignalDefinition;
  /** The workflow types that handle the signal. */
  acceptedBy: readonly string[];
  /** The only state the signal may be sent in, when sending it early would do harm. */
  onlyIn?: CheckoutState;
}

/** What each ops action sends, and to which workflows. */
export const checkoutActions: Record<ActionName, CheckoutAction> = {
  cancel: { signal: cancelCheckoutSignal, acceptedBy: [checkout.name] },
  // A late payment SumUp would not read is rechecked on its reconciliation.
  recheck: { signal: recheckNowSignal, acceptedBy: [checkout.name, reconcileLatePayment.name] },
  'refund-handled': {
    signal: refundHandledSignal,
    // A late payment's refund is owed by its reconciliation, not by the checkout that ended.
    acceptedBy: [checkout.name, reconcileLatePayment.name],
    // The workflow keeps the signal: sent before a refund is due, it would let a refund
    // that SumUp then refuses count as handled without anyone handling it.
    onlyIn: 'refund_due',
  },
};
