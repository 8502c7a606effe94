import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CheckoutScope, Shopper } from './checkout-types.ts';

// What ops search checkouts by in the Temporal UI. Registered on the server by the dev
// server's start options (tests, `npm start`) and by the compose stack.
export const OrderId = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const ShopperId = defineSearchAttributeKey('ShopperId', SearchAttributeType.KEYWORD);
export const PageId = defineSearchAttributeKey('PageId', SearchAttributeType.KEYWORD);
export const CheckoutStatus = defineSearchAttributeKey(
  'CheckoutStatus',
  SearchAttributeType.KEYWORD,
);

/** What a checkout is searched by from its start: who checks out, and on which page. */
export function checkoutSearchAttributes(input: { shopper: Shopper; scope: CheckoutScope }) {
  return [
    { key: ShopperId, value: input.shopper.userId ?? `session:${input.shopper.sessionId}` },
    { key: PageId, value: input.scope.pageId === null ? 'global' : String(input.scope.pageId) },
  ];
}

/** How a run of the payments sweeper ended: clean, found, rate_limited. */
export const SweepOutcome = defineSearchAttributeKey('SweepOutcome', SearchAttributeType.KEYWORD);
/** A sweeper run's figures: orders checked, found unsettled, reconciliations started. */
export const SweepChecked = defineSearchAttributeKey('SweepChecked', SearchAttributeType.INT);
export const SweepFound = defineSearchAttributeKey('SweepFound', SearchAttributeType.INT);
export const SweepStarted = defineSearchAttributeKey('SweepStarted', SearchAttributeType.INT);

export const searchAttributes = [
  OrderId,
  ShopperId,
  PageId,
  CheckoutStatus,
  SweepOutcome,
  SweepChecked,
  SweepFound,
  SweepStarted,
];

/** Each type as Temporal's CLI names it (`--search-attribute Name=Type`). */
export const cliTypeNames = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
} as const;
