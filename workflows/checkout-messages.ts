import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RefundRetry } from './activity-proxies.ts';
import type { CheckoutScope, LineProblem, PaidOutcome, Shopper } from './checkout-types.ts';

/** Every state a checkout passes through, in order; ops and the API list them from here. */
export const checkoutStates = [
  'creating_order',
  'claiming',
  'creating_payment',
  'awaiting_payment',
  'closing',
  /**
   * SumUp would not say whether the shopper paid (a final 404, 401 or 403 on read or close):
   * the claims were released at the deadline, and the checkout waits for ops' recheck.
   */
  'needs_attention',
  'paid',
  'refund_due',
  'refunded',
  'failed',
  'expired',
  'cancelled',
  'unavailable',
  'empty',
  /** A late webhook whose checkout SumUp does not report paid. */
  'not_paid',
  /** SumUp took a payment that does not match the order: refunded in full, never confirmed. */
  'payment_mismatch',
] as const;
export type CheckoutState = (typeof checkoutStates)[number];

export const finalStates: readonly CheckoutState[] = [
  'paid',
  'refunded',
  'failed',
  'expired',
  'cancelled',
  'unavailable',
  'empty',
  'not_paid',
  'payment_mismatch',
];

export interface CheckoutView {
  workflowId: string;
  state: CheckoutState;
  orderId?: number;
  hostedCheckoutUrl?: string;
  totalMinor?: number;
  currency?: string;
  /** Why the checkout could not go ahead, per line. */
  problems?: LineProblem[];
  /** The scope of the shopper's open checkout that holds lines this one wanted. */
  openScope?: CheckoutScope;
  /** Lines paid for that could not be honoured, and the refund owed for them. */
  paid?: PaidOutcome;
  /**
   * Why it ended without payment or waits for ops, as a code and SumUp's answer:
   * `payment_provider_refused`, `payment_provider_unavailable`, `sumup_unreadable: …`,
   * `payment_mismatch: amount, currency`.
   */
  reason?: string;
  /** When each step happened (workflow time, ISO 8601). */
  steps: Partial<Record<CheckoutState, string>>;
}

export interface CheckoutInput {
  shopper: Shopper;
  scope: CheckoutScope;
  /** How long the shopper has to pay; SumUp's hosted session lasts 30 minutes. */
  expiresInMs?: number;
  /** Polling SumUp starts at this interval and doubles up to `pollMaxMs`. */
  pollInitialMs?: number;
  pollMaxMs?: number;
  /** How hard to try SumUp with a refund before handing it to ops. */
  refundRetry?: RefundRetry;
  /** How long creating the SumUp checkout may keep retrying before the claims go back. */
  creationTimeoutMs?: number;
}

/** SumUp said something changed. Carries nothing: the workflow reads SumUp itself. */
export const sumupWebhookSignal = defineSignal('sumupWebhook');
/** The shopper came back to the return page. */
export const shopperReturnedSignal = defineSignal('shopperReturned');
export const cancelCheckoutSignal = defineSignal('cancelCheckout');
/** Ops: read SumUp now (and, in `needs_attention`, close the checkout there again). */
export const recheckNowSignal = defineSignal('recheckNow');
/** Ops: the refund owed was handled outside rose-checkout. */
export const refundHandledSignal = defineSignal('refundHandled');

/** Answers once the hosted URL exists, or the checkout ended without one. */
export const hostedCheckoutUpdate = defineUpdate<CheckoutView>('hostedCheckout');
export const checkoutStatusQuery = defineQuery<CheckoutView>('checkoutStatus');

/** One checkout per shopper and scope at a time: the id says whose and where. */
export function checkoutWorkflowId(shopper: Shopper, scope: CheckoutScope): string {
  const who =
    shopper.userId !== undefined ? `user:${shopper.userId}` : `session:${shopper.sessionId}`;
  return `checkout:${scope.pageId === null ? 'global' : `page:${scope.pageId}`}:${who}`;
}
