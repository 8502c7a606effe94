import type { Database } from '../db/client.ts';
import { createEventActivities } from './events/index.ts';
import { createOrderActivities, type BookingSettings } from './orders/index.ts';
import { createPaymentActivities, type PaymentSettings } from './payments/checkout-payments.ts';
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
  return {
    ...createEventActivities(db),
    ...createOrderActivities(db, bookings),
    ...paymentActivities,
    findUnsettledPayments: (input: SweepInput) =>
      findUnsettledPayments(db, input, (order) => paymentActivities.readSumupCheckout(order)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
