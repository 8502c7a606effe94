// Types the checkout workflow shares with its activities and the API. Plain data only:
// nothing here may hold a credential or card data, since all of it enters history.

/** Who a cart belongs to: a signed-in user, else an anonymous session. */
export type Shopper =
  { userId: string; sessionId?: undefined } | { userId?: undefined; sessionId: string };

/** A page checkout takes that page's lines and pays its merchant; null is global. */
export interface CheckoutScope {
  pageId: number | null;
}

export type LineKind = 'product' | 'booking' | 'ticket';

export type LineProblemReason =
  | 'product_unavailable'
  | 'ticket_not_priced'
  | 'mixed_currencies'
  | 'booking_unavailable'
  | 'time_taken'
  | 'ticket_unavailable'
  | 'sold_out'
  /** Another open checkout of the shopper's holds the line. */
  | 'in_checkout'
  /** Another order of the shopper's paid for the line first. */
  | 'already_paid'
  /** Refunded after payment, on an admin's request. */
  | 'refunded';

/** Why one cart line cannot be bought, said per line. */
export interface LineProblem {
  kind: LineKind;
  id: number;
  title: string;
  reason: LineProblemReason;
  /** How many of a product line, when not all of it (a partial refund). */
  quantity?: number;
}

export interface OrderSummary {
  orderId: number;
  pageId: number | null;
  totalMinor: number;
  currency: string;
  itemCount: number;
}

export type CreateOrderResult =
  | { kind: 'created'; order: OrderSummary }
  | { kind: 'empty' }
  | { kind: 'unavailable'; problems: LineProblem[] }
  /** Lines another open checkout holds; `openScope` is that checkout's. */
  | { kind: 'in_checkout'; openScope: CheckoutScope; problems: LineProblem[] };

export type ClaimResult = { claimed: true } | { claimed: false; problems: LineProblem[] };

/**
 * The order made and claimed in one step: a created order carries its claim, and an order
 * whose claim failed is already closed (`failed`, its lines back in the cart).
 */
export type OpenOrderResult =
  | Exclude<CreateOrderResult, { kind: 'created' }>
  | { kind: 'created'; order: OrderSummary; claim: ClaimResult };

/** How a checkout that took no money ends. */
export type ClosedOutcome = 'failed' | 'expired' | 'cancelled';

export interface PaidOutcome {
  /** Lines paid for that could not be honoured (sold out meanwhile). */
  unhonoured: LineProblem[];
  /** The refund recorded for them, if any. */
  refund?: { refundId: number; amountMinor: number; currency: string };
  /**
   * Bookings paid for that await the organiser's answer (entry ids), when there are any:
   * the order's workflow starts to time them. Histories recorded before it lack it.
   */
  provisional?: number[];
}

/** A payment SumUp took that is not the order's: what it took, and which fields differ. */
export interface PaymentMismatch {
  transactionId: string;
  amountMinor: number;
  currency: string;
  /** `amount`, `currency`, `merchant_code`, `checkout_reference`. */
  mismatches: string[];
}
