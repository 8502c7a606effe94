import type { Database } from '../../db/client.ts';
import { claimEntriesAndTickets, releaseClaims } from '../calendar/claims.ts';
import { answerUnansweredBookings, nextBookingDeadline } from '../calendar/bookings.ts';
import type { ClosedOutcome, PaymentMismatch } from '../../workflows/checkout-types.ts';
import { confirmPaidOrder } from './confirm-paid-order.ts';
import {
  createOrderFromCart,
  type CreateOrderInput,
  type CreateOrderOptions,
} from './create-order.ts';
import { openOrder } from './open-order.ts';
import { markRefundHandled } from './mark-refund-handled.ts';
import { recordMismatchRefund } from './refund-mismatched-payment.ts';
import { dueAdminRefunds, recordAdminRefund } from './admin-refunds.ts';
import type { RefundCommand } from '../../workflows/order-messages.ts';

export interface BookingSettings {
  /** PROVISIONAL_BOOKING_DAYS: how long the organiser has to answer a paid booking. */
  provisionalDays: number;
}

export function createOrderActivities(
  db: Database,
  bookings: BookingSettings = { provisionalDays: 7 },
  orderOptions: CreateOrderOptions = {},
) {
  const days = bookings.provisionalDays;
  return {
    createOrderFromCart: (input: CreateOrderInput) => createOrderFromCart(db, input, orderOptions),
    openOrder: (input: CreateOrderInput) => openOrder(db, input, orderOptions),
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
    nextBookingDeadline: (input: { orderId: number }) => nextBookingDeadline(db, input, days),
    answerUnansweredBookings: (input: { orderId: number; asOfMs: number }) =>
      answerUnansweredBookings(db, input, days),
  };
}
