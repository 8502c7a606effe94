import type { Database } from '../db/client.ts';
import { createEventActivities } from './events/index.ts';
import { createOrderActivities, type BookingSettings } from './orders/index.ts';
import {
  createPaymentActivities,
  type PaymentSettings,
  type PaymentState,
} from './payments/checkout-payments.ts';
import { findUnsettledPayments, type SweepInput } from './payments/sweep.ts';

export interface ActivityDependencies {
  db: Database;
  payments: PaymentSettings;
  /** How long the organiser has to answer a paid booking; 7 days unless given. */
  bookings?: BookingSettings;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities({ db, payments, bookings }: ActivityDependencies) {
  const paymentActivities = createPaymentActivities(db, payments);
  // A global order records the default merchant it is made for, as a page's order its page's.
  const orderActivities = createOrderActivities(db, bookings, {
    defaultMerchantCode: payments.defaultMerchant?.merchantCode,
  });
  return {
    ...createEventActivities(db),
    ...orderActivities,
    ...paymentActivities,
    /**
     * Reads the checkout from SumUp and, when it is the order's payment, confirms the order
     * in the same step: one round trip where a paid checkout used to take two.
     */
    readAndConfirm: async (input: { orderId: number }): Promise<PaymentState> => {
      const payment = await paymentActivities.readSumupCheckout(input);
      if (payment.status !== 'PAID' || payment.paid?.mismatches.length) return payment;
      const confirmed = await orderActivities.confirmPaidOrder({
        orderId: input.orderId,
        transactionId: payment.transactionId!,
      });
      return { ...payment, confirmed };
    },
    findUnsettledPayments: (input: SweepInput) =>
      findUnsettledPayments(db, input, (order) => paymentActivities.readSumupCheckout(order)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
