import { describe, expect, it } from 'vitest';
import { nextRefundStep } from '../activities/payments/refund-ledger.ts';

// The rule that keeps a refund from being sent to SumUp twice: what SumUp reports refunded
// of the transaction, against what we had issued before this refund.

describe('a recorded refund, against SumUp’s record of the transaction', () => {
  it('is sent when SumUp has refunded nothing beyond what we issued before', () => {
    expect(nextRefundStep({ refundedAtSumup: 0, issuedBefore: 0, amountMinor: 1500 })).toEqual({
      kind: 'send',
    });
    expect(nextRefundStep({ refundedAtSumup: 500, issuedBefore: 500, amountMinor: 1500 })).toEqual({
      kind: 'send',
    });
  });

  it('is not resent when SumUp already holds it (its answer was lost)', () => {
    expect(nextRefundStep({ refundedAtSumup: 1500, issuedBefore: 0, amountMinor: 1500 })).toEqual({
      kind: 'already_refunded',
    });
    expect(nextRefundStep({ refundedAtSumup: 2000, issuedBefore: 500, amountMinor: 1500 })).toEqual(
      { kind: 'already_refunded' },
    );
  });

  it('goes to a person when SumUp reports part of it', () => {
    const step = nextRefundStep({ refundedAtSumup: 700, issuedBefore: 500, amountMinor: 1500 });
    expect(step.kind).toBe('unclear');
  });

  it('goes to a person when more is at SumUp than we sent and ops settled a refund by hand', () => {
    // Ops refunded 1500 at SumUp's dashboard: is the 1500 there that, or this one?
    const step = nextRefundStep({
      refundedAtSumup: 1500,
      issuedBefore: 0,
      amountMinor: 1500,
      handledBefore: 1500,
    });
    expect(step.kind).toBe('unclear');
    // Nothing at SumUp beyond what we issued: this one was not sent; send it.
    expect(
      nextRefundStep({
        refundedAtSumup: 0,
        issuedBefore: 0,
        amountMinor: 800,
        handledBefore: 1500,
      }),
    ).toEqual({ kind: 'send' });
  });
});
