import type { Database } from '../db/client.ts';
import { createEventActivities } from './events/index.ts';
import { createOrderActivities } from './orders/index.ts';
import { createPaymentActivities, type PaymentSettings } from './payments/checkout-payments.ts';
import { findUnsettledPayments, type SweepInput } from './payments/sweep.ts';

export interface ActivityDependencies {
  db: Database;
  payments: PaymentSettings;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities({ db, payments }: ActivityDependencies) {
  const paymentActivities = createPaymentActivities(db, payments);
  return {
    ...createEventActivities(db),
    ...createOrderActivities(db),
    ...paymentActivities,
    findUnsettledPayments: (input: SweepInput) =>
      findUnsettledPayments(db, input, (order) => paymentActivities.readSumupCheckout(order)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
