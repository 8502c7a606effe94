import type { CheckoutSnapshot } from './sumup-gateway.ts';

/** The parts of a SumUp checkout that must be the order's before a payment confirms it. */
export type PaymentField = 'amount' | 'currency' | 'merchant_code' | 'checkout_reference';

export interface ExpectedPayment {
  amountMinor: number;
  currency: string;
  /** The merchant the order's checkout was made for (a secret: compared, never returned). */
  merchantCode: string;
  /** The reference the order's checkout was created with; null for orders made before it was kept. */
  reference: string | null;
}

/**
 * Which fields of what SumUp reports differ from what the order asked for: empty when the
 * payment is the order's. A payment that does not match is refunded, never confirmed.
 */
export function paymentMismatches(
  expected: ExpectedPayment,
  reported: Pick<CheckoutSnapshot, 'amountMinor' | 'currency' | 'merchantCode' | 'reference'>,
): PaymentField[] {
  const mismatches: PaymentField[] = [];
  if (reported.amountMinor !== expected.amountMinor) mismatches.push('amount');
  if (reported.currency !== expected.currency) mismatches.push('currency');
  if (reported.merchantCode !== expected.merchantCode) mismatches.push('merchant_code');
  if (expected.reference !== null && reported.reference !== expected.reference)
    mismatches.push('checkout_reference');
  return mismatches;
}
