import type { Database } from '../../db/client.ts';
import { claimEntriesAndTickets, releaseClaims } from '../calendar/claims.ts';
import type { ClosedOutcome, PaymentMismatch } from '../../workflows/checkout-types.ts';
import { confirmPaidOrder } from './confirm-paid-order.ts';
import { createOrderFromCart, type CreateOrderInput } from './create-order.ts';
import { markRefundHandled } from './mark-refund-handled.ts';
import { recordMismatchRefund } from './refund-mismatched-payment.ts';
import { dueAdminRefunds, recordAdminRefund } from './admin-refunds.ts';
import type { RefundCommand } from '../../workflows/order-messages.ts';

export function createOrderActivities(db: Database) {
  return {
    createOrderFromCart: (input: CreateOrderInput) => createOrderFromCart(db, input),
    claimEntriesAndTickets: (input: { orderId: number }) =>
      claimEntriesAndTickets(db, input.orderId),
    releaseClaims: (input: { orderId: number; outcome: ClosedOutcome; reason?: string }) =>
      releaseClaims(db, input.orderId, input.outcome, input.reason),
    confirmPaidOrder: (input: { orderId: number; transactionId: string }) =>
      confirmPaidOrder(db, input),
    markRefundHandled: (input: { refundId: number }) => markRefundHandled(db, input.refundId),
    recordMismatchRefund: (input: PaymentMismatch & { orderId: number }) =>
      recordMismatchRefund(db, input),
    recordAdminRefund: (command: RefundCommand) => recordAdminRefund(db, command),
    dueAdminRefunds: (input: { orderId: number }) => dueAdminRefunds(db, input.orderId),
  };
}
