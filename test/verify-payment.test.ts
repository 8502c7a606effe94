import { describe, expect, it } from 'vitest';
import { paymentMismatches } from '../activities/payments/verify-payment.ts';

// The rule a PAID checkout must pass before it confirms an order: SumUp's figures against
// the order's own, field by field.

const order = {
  amountMinor: 3850,
  currency: 'GBP',
  merchantCode: 'MHALL',
  reference: 'hall-7-abc',
};
const reported = {
  amountMinor: 3850,
  currency: 'GBP',
  merchantCode: 'MHALL',
  reference: 'hall-7-abc',
};

describe('a paid checkout checked against its order', () => {
  it('matches when amount, currency, merchant and reference are the order’s', () => {
    expect(paymentMismatches(order, reported)).toEqual([]);
  });

  it('names each field that differs', () => {
    expect(paymentMismatches(order, { ...reported, amountMinor: 3849 })).toEqual(['amount']);
    expect(paymentMismatches(order, { ...reported, currency: 'EUR' })).toEqual(['currency']);
    expect(paymentMismatches(order, { ...reported, merchantCode: 'MOTHER' })).toEqual([
      'merchant_code',
    ]);
    expect(paymentMismatches(order, { ...reported, merchantCode: undefined })).toEqual([
      'merchant_code',
    ]);
    expect(paymentMismatches(order, { ...reported, reference: 'hall-8-abc' })).toEqual([
      'checkout_reference',
    ]);
    expect(
      paymentMismatches(order, {
        amountMinor: 1,
        currency: 'EUR',
        merchantCode: 'X',
        reference: 'y',
      }),
    ).toEqual(['amount', 'currency', 'merchant_code', 'checkout_reference']);
  });

  it('skips the reference for an order made before references were kept', () => {
    expect(
      paymentMismatches({ ...order, reference: null }, { ...reported, reference: 'x' }),
    ).toEqual([]);
  });
});
