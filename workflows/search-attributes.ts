import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What ops search checkouts by in the Temporal UI. Registered on the server by the dev
// server's start options (tests, `npm start`) and by the compose stack.
export const OrderId = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const ShopperId = defineSearchAttributeKey('ShopperId', SearchAttributeType.KEYWORD);
export const PageId = defineSearchAttributeKey('PageId', SearchAttributeType.KEYWORD);
export const CheckoutStatus = defineSearchAttributeKey(
  'CheckoutStatus',
  SearchAttributeType.KEYWORD,
);

/** How a run of the payments sweeper ended: clean, found, rate_limited. */
export const SweepOutcome = defineSearchAttributeKey('SweepOutcome', SearchAttributeType.KEYWORD);

export const searchAttributes = [OrderId, ShopperId, PageId, CheckoutStatus, SweepOutcome];
