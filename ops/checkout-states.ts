import type { CheckoutState } from '../workflows/checkout-messages.ts';

// Every state, spelled once more so that `list --status` can refuse a typo; `satisfies`
// makes a state added to CheckoutState fail the typecheck here until it is listed.
const everyState = {
  creating_order: true,
  claiming: true,
  creating_payment: true,
  awaiting_payment: true,
  closing: true,
  paid: true,
  refund_due: true,
  refunded: true,
  failed: true,
  expired: true,
  cancelled: true,
  unavailable: true,
  empty: true,
  not_paid: true,
} satisfies Record<CheckoutState, true>;

export const checkoutStates = Object.keys(everyState) as CheckoutState[];

export const isCheckoutState = (value: string): value is CheckoutState =>
  (checkoutStates as string[]).includes(value);
