import type { CheckoutState } from '../workflows/checkout-messages.ts';
import { CheckoutStatus, OrderId } from '../workflows/search-attributes.ts';

export interface ExecutionFilter {
  orderId?: string;
  checkoutStatus?: CheckoutState;
  taskQueue?: string;
}

/**
 * The Temporal visibility query for a filter, as ops could type it into the UI. Values are
 * checked by the argument parser to hold no quotes.
 */
export function visibilityQuery(filter: ExecutionFilter): string {
  const terms = [
    filter.orderId === undefined ? undefined : `${OrderId.name} = "${filter.orderId}"`,
    filter.checkoutStatus === undefined
      ? undefined
      : `${CheckoutStatus.name} = "${filter.checkoutStatus}"`,
    filter.taskQueue === undefined ? undefined : `TaskQueue = "${filter.taskQueue}"`,
  ];
  return terms.filter((term) => term !== undefined).join(' AND ');
}
