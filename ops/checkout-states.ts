import { checkoutStates, type CheckoutState } from '../workflows/checkout-messages.ts';

export { checkoutStates };

/** So that `list --status` can refuse a typo. */
export const isCheckoutState = (value: string): value is CheckoutState =>
  (checkoutStates as readonly string[]).includes(value);
