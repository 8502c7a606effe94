/** What to do with a recorded refund, once SumUp's record of the transaction has been read. */
export type RefundStep =
  /** SumUp has not refunded it yet: send it. */
  | { kind: 'send' }
  /** SumUp already refunded it (a lost answer, a crash after SumUp's answer): do not resend. */
  | { kind: 'already_refunded' }
  /** SumUp refunded part of it, or something we did not send: a person looks. */
  | { kind: 'unclear'; reason: string };

/**
 * Whether a refund must still go to SumUp. SumUp takes no idempotency key, so a refund
 * whose answer was lost is recognised by what SumUp reports refunded of the transaction,
 * against what we had recorded as issued before this one; it is never sent twice. Refunds of
 * one transaction are issued one at a time (issue-refund.ts locks them), so the difference
 * is this refund or nothing.
 */
export function nextRefundStep(ledger: {
  /** What SumUp's REFUND events of the transaction add up to, in minor units. */
  refundedAtSumup: number;
  /** What our other refunds of the transaction, issued before this one, add up to. */
  issuedBefore: number;
  /** This refund. */
  amountMinor: number;
  /** Our other refunds of it that ops settled by hand (at SumUp's dashboard, or in cash). */
  handledBefore?: number;
}): RefundStep {
  const { refundedAtSumup, issuedBefore, amountMinor, handledBefore = 0 } = ledger;
  if (refundedAtSumup <= issuedBefore) return { kind: 'send' };
  // More at SumUp than we sent: this refund, or one ops made there by hand? Nobody can tell.
  if (handledBefore > 0) {
    return {
      kind: 'unclear',
      reason: `SumUp reports ${refundedAtSumup} refunded, more than the ${issuedBefore} issued, and ${handledBefore} was settled by hand`,
    };
  }
  if (refundedAtSumup >= issuedBefore + amountMinor) return { kind: 'already_refunded' };
  return {
    kind: 'unclear',
    reason: `SumUp reports ${refundedAtSumup} refunded, between the ${issuedBefore} issued before and the ${issuedBefore + amountMinor} this refund would make`,
  };
}
