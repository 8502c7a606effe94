import type { refunds } from '../../db/schema/index.ts';

/** A refund as events carry it. */
export const refundData = (refund: typeof refunds.$inferSelect) => ({
  refundId: refund.id,
  amountMinor: refund.amountMinor,
  currency: refund.currency,
  reason: refund.reason,
  lines: refund.lines,
});
