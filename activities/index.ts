import type { Database } from '../db/client.ts';
import { createEventActivities } from './events/index.ts';
import { createOrderActivities } from './orders/index.ts';
import { createPaymentActivities, type PaymentSettings } from './payments/checkout-payments.ts';

export interface ActivityDependencies {
  db: Database;
  payments: PaymentSettings;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities({ db, payments }: ActivityDependencies) {
  return {
    ...createEventActivities(db),
    ...createOrderActivities(db),
    ...createPaymentActivities(db, payments),
  };
}

export type Activities = ReturnType<typeof createActivities>;
